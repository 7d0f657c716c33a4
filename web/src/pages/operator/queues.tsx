import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api, ok } from '../../api.ts';
import { LIMIT_LABELS } from '../../components/limits.ts';
import { ActionButton, day, Empty, Field, Form, QueryView, Table, when } from '../../components.tsx';
import { countryName } from '../../countries.ts';
import { oneOf } from '../../form-values.ts';
import { ConformanceEvidence } from '../conformance.tsx';
import { operatorKeys } from './queries.ts';
import { useOrgNames, Who } from './shared.tsx';

/** The operator's decision queues: accounts, subscriptions, limit increases and production access. */

export function AccountsQueue(props: { screening: boolean }) {
  const q = useQuery({
    queryKey: operatorKeys.pendingAccounts,
    queryFn: async () =>
      (await ok(api.GET('/api/v1/admin/accounts', { params: { query: { status: 'pending', limit: 200 } } })))
        .items,
    refetchInterval: 10_000,
  });
  const [rejecting, setRejecting] = useState<string | null>(null);
  return (
    <QueryView q={q} label="Loading accounts…">
      {(all) => {
        const list = all.filter((a) => (props.screening ? !!a.screeningMatch : !a.screeningMatch));
        return list.length === 0 ? (
          <Empty>
            {props.screening ? 'No sign-ups are held by screening.' : 'No accounts are waiting for approval.'}
          </Empty>
        ) : (
          <Table
            caption={props.screening ? 'Accounts held by screening' : 'Accounts waiting for approval'}
            head={['Person', 'Eligibility', props.screening ? 'Screening match' : 'Activated', 'Decision']}
          >
            {list.map((a) => (
              <tr key={a.id}>
                <td>
                  <strong>{a.name}</strong>
                  <div className="small">{a.email}</div>
                  {a.jobTitle ? <div className="muted small">{a.jobTitle}</div> : null}
                </td>
                <td className="small">
                  Born {a.dateOfBirth ?? '—'}
                  <br />
                  Lives in {countryName(a.countryOfResidence)}, uses from {countryName(a.countryOfUse)}
                </td>
                <td className="small">
                  {props.screening ? (
                    <strong className="bad-text">{a.screeningMatch}</strong>
                  ) : (
                    when(a.activatedAt)
                  )}
                </td>
                <td className="row-actions">
                  {rejecting === a.id ? (
                    <Form
                      danger
                      submitLabel="Reject"
                      onSubmit={async (v) => {
                        await ok(
                          api.POST('/api/v1/admin/accounts/{userId}/reject', {
                            params: { path: { userId: a.id } },
                            body: { reason: String(v.reason ?? '').trim() },
                          }),
                        );
                        setRejecting(null);
                        await q.refetch();
                      }}
                      secondary={
                        <button type="button" className="btn btn-link" onClick={() => setRejecting(null)}>
                          Cancel
                        </button>
                      }
                    >
                      <Field
                        name="reason"
                        label={`Reason for rejecting ${a.name} (shown to them)`}
                        required
                        type="textarea"
                        rows={2}
                      />
                    </Form>
                  ) : (
                    <>
                      <ActionButton
                        variant="primary"
                        label={`Approve ${a.name}`}
                        onClick={async () => {
                          await ok(
                            api.POST('/api/v1/admin/accounts/{userId}/approve', {
                              params: { path: { userId: a.id } },
                            }),
                          );
                          await q.refetch();
                        }}
                      >
                        Approve
                      </ActionButton>
                      <button
                        type="button"
                        className="btn btn-danger"
                        aria-label={`Reject ${a.name}`}
                        onClick={() => setRejecting(a.id)}
                      >
                        Reject
                      </button>
                    </>
                  )}
                </td>
              </tr>
            ))}
          </Table>
        );
      }}
    </QueryView>
  );
}

export function SubscriptionsQueue() {
  const q = useQuery({
    queryKey: operatorKeys.subscriptions,
    queryFn: async () =>
      (await ok(api.GET('/api/v1/admin/subscriptions', { params: { query: { status: 'pending' } } }))).items,
    refetchInterval: 10_000,
  });
  const [declining, setDeclining] = useState<string | null>(null);
  const names = useOrgNames();
  return (
    <QueryView q={q} label="Loading subscriptions…">
      {(list) =>
        list.length === 0 ? (
          <Empty>No subscriptions are waiting for approval.</Empty>
        ) : (
          <Table
            caption="Subscriptions waiting for approval"
            head={['Requested', 'Organisation / app', 'Plan', 'Decision']}
          >
            {list.map((s) => (
              <tr key={s.id}>
                <td>{when(s.createdAt)}</td>
                <td>
                  <Who orgId={s.orgId} appId={s.appId} names={names} />
                </td>
                <td>
                  {s.productSlug} — <strong>{s.planName}</strong>
                </td>
                <td className="row-actions">
                  {declining === s.id ? (
                    <Form
                      danger
                      submitLabel="Decline"
                      onSubmit={async (v) => {
                        await ok(
                          api.POST('/api/v1/admin/subscriptions/{subscriptionId}/decline', {
                            params: { path: { subscriptionId: s.id } },
                            body: { reason: String(v.reason ?? '').trim() },
                          }),
                        );
                        setDeclining(null);
                        await q.refetch();
                      }}
                      secondary={
                        <button type="button" className="btn btn-link" onClick={() => setDeclining(null)}>
                          Cancel
                        </button>
                      }
                    >
                      <Field
                        name="reason"
                        label="Reason (sent to the organisation)"
                        required
                        type="textarea"
                        rows={2}
                      />
                    </Form>
                  ) : (
                    <>
                      <ActionButton
                        variant="primary"
                        label={`Approve the ${s.planName} subscription of ${s.appId}`}
                        onClick={async () => {
                          await ok(
                            api.POST('/api/v1/admin/subscriptions/{subscriptionId}/approve', {
                              params: { path: { subscriptionId: s.id } },
                              body: {},
                            }),
                          );
                          await q.refetch();
                        }}
                      >
                        Approve
                      </ActionButton>
                      <button type="button" className="btn btn-danger" onClick={() => setDeclining(s.id)}>
                        Decline
                      </button>
                    </>
                  )}
                </td>
              </tr>
            ))}
          </Table>
        )
      }
    </QueryView>
  );
}

export function LimitsQueue() {
  const q = useQuery({
    queryKey: operatorKeys.limitRequests,
    queryFn: async () =>
      (await ok(api.GET('/api/v1/admin/limit-requests', { params: { query: { status: 'pending' } } }))).items,
    refetchInterval: 10_000,
  });
  const [open, setOpen] = useState<string | null>(null);
  const names = useOrgNames();
  return (
    <QueryView q={q} label="Loading limit requests…">
      {(list) =>
        list.length === 0 ? (
          <Empty>No limit-increase requests are waiting.</Empty>
        ) : (
          <div className="stack">
            {list.map((l) => (
              <article key={l.id} className="card">
                <div className="card-head">
                  <h2 className="h3">
                    {l.productSlug}: {LIMIT_LABELS[l.limit] ?? l.limit}
                    {l.operationId ? ` (${l.operationId})` : ''} — {l.currentValue.toLocaleString('en')} →{' '}
                    {l.requestedValue.toLocaleString('en')}
                  </h2>
                  <span className="muted small">{when(l.createdAt)}</span>
                </div>
                <div className="small">
                  <Who orgId={l.orgId} appId={l.appId} names={names} />
                  {l.requestedUntil ? ` Needed until ${day(l.requestedUntil)}.` : ''}
                </div>
                <blockquote>{l.reason}</blockquote>
                {open === l.id ? (
                  <Form
                    submitLabel="Record decision"
                    onSubmit={async (v) => {
                      const decision = oneOf(
                        v.decision,
                        ['approve', 'approve_with_conditions', 'decline'],
                        'approve',
                      );
                      const until = String(v.until ?? '');
                      await ok(
                        api.POST('/api/v1/admin/limit-requests/{requestId}/decide', {
                          params: { path: { requestId: l.id } },
                          body: {
                            decision,
                            value:
                              decision === 'approve_with_conditions' && v.value ? Number(v.value) : undefined,
                            until:
                              decision === 'approve_with_conditions' && until
                                ? new Date(`${until}T23:59:59Z`).toISOString()
                                : undefined,
                            terms:
                              decision === 'approve_with_conditions'
                                ? String(v.terms ?? '').trim() || undefined
                                : undefined,
                            note: String(v.note ?? '').trim() || undefined,
                          },
                        }),
                      );
                      setOpen(null);
                      await q.refetch();
                    }}
                    secondary={
                      <button type="button" className="btn btn-link" onClick={() => setOpen(null)}>
                        Cancel
                      </button>
                    }
                  >
                    <Field
                      name="decision"
                      label="Decision"
                      defaultValue="approve_with_conditions"
                      options={[
                        { value: 'approve', label: 'Approve as asked' },
                        { value: 'approve_with_conditions', label: 'Approve with conditions' },
                        { value: 'decline', label: 'Decline' },
                      ]}
                    />
                    <Field
                      name="value"
                      label="Granted value (conditions)"
                      type="number"
                      min="1"
                      hint={`At most ${l.requestedValue.toLocaleString('en')}.`}
                    />
                    <Field name="until" label="Raise ends on (conditions)" type="date" />
                    <Field name="terms" label="Terms to accept first (conditions)" type="textarea" rows={2} />
                    <Field name="note" label="Note to the organisation" type="textarea" rows={2} />
                  </Form>
                ) : (
                  <button type="button" className="btn btn-primary" onClick={() => setOpen(l.id)}>
                    Decide
                  </button>
                )}
              </article>
            ))}
          </div>
        )
      }
    </QueryView>
  );
}

export function ProductionQueue() {
  const q = useQuery({
    queryKey: operatorKeys.productionRequests,
    queryFn: async () =>
      (await ok(api.GET('/api/v1/admin/production-requests', { params: { query: { status: 'pending' } } })))
        .items,
    refetchInterval: 10_000,
  });
  const names = useOrgNames();
  return (
    <QueryView q={q} label="Loading requests…">
      {(list) =>
        list.length === 0 ? (
          <Empty>No production-access requests are waiting.</Empty>
        ) : (
          <Table
            caption="Production-access requests"
            head={['Requested', 'Organisation / app', 'Product', 'Note', 'Decision']}
          >
            {list.map((r) => (
              <tr key={r.id}>
                <td>{when(r.createdAt)}</td>
                <td>
                  <Who orgId={r.orgId} appId={r.appId} names={names} />
                  <ConformanceEvidence orgId={r.orgId} appId={r.appId} productSlug={r.productSlug} />
                </td>
                <td>
                  {r.productSlug ?? <span className="muted">none (asked before access was per product)</span>}
                </td>
                <td>{r.note ?? '—'}</td>
                <td className="row-actions">
                  {r.productSlug ? (
                    <ActionButton
                      variant="primary"
                      onClick={async () => {
                        await ok(
                          api.POST('/api/v1/admin/production-requests/{requestId}/decide', {
                            params: { path: { requestId: r.id } },
                            body: { approve: true },
                          }),
                        );
                        await q.refetch();
                      }}
                    >
                      Approve
                    </ActionButton>
                  ) : null}
                  <ActionButton
                    variant="danger"
                    onClick={async () => {
                      const reason = window.prompt('Reason for declining (sent to the organisation)');
                      if (reason === null) return;
                      await ok(
                        api.POST('/api/v1/admin/production-requests/{requestId}/decide', {
                          params: { path: { requestId: r.id } },
                          body: { approve: false, reason: reason.trim() || undefined },
                        }),
                      );
                      await q.refetch();
                    }}
                  >
                    Decline
                  </ActionButton>
                </td>
              </tr>
            ))}
          </Table>
        )
      }
    </QueryView>
  );
}
