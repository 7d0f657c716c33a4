import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useParams } from 'react-router';
import type {
  Account,
  App,
  AutoApproveRule,
  BarredCountry,
  Org,
  Participant,
  Product,
  ProductionRequest,
  ScreeningEntry,
  TermsDocumentView,
  TermsVersion,
} from '../../api/views.ts';
import { ApiError, api, ok } from '../../api.ts';
import { LIMIT_LABELS } from '../../components/limits.ts';
import { PlansTable } from '../../components/plans.tsx';
import {
  ActionButton,
  Badge,
  day,
  Empty,
  Field,
  Form,
  Notice,
  Page,
  QueryView,
  Table,
  when,
} from '../../components.tsx';
import { countryName } from '../../countries.ts';
import { isJsonObject, oneOf, oneOfOrNone } from '../../form-values.ts';
import { Markdown } from '../../markdown.tsx';
import { useUser } from '../../session.tsx';
import { orgKeys } from '../org/queries.ts';
import { catalogKeys } from '../public/queries.ts';
import { termsKeys } from '../terms/queries.ts';
import { operatorKeys } from './queries.ts';

/** Organisation names for the queues (operators see every organisation). */
function useOrgNames() {
  const q = useQuery({
    queryKey: operatorKeys.orgs,
    queryFn: async () =>
      (await ok(api.GET('/api/v1/admin/organizations', { params: { query: { limit: 500 } } }))).items,
    staleTime: 30_000,
  });
  return new Map((q.data ?? []).map((o) => [o.id, o.name]));
}

function AppName(props: { orgId: string; appId: string }) {
  const q = useQuery({
    queryKey: operatorKeys.app(props.appId),
    queryFn: () => ok(api.GET('/api/v1/admin/apps/{appId}', { params: { path: { appId: props.appId } } })),
    staleTime: 60_000,
    retry: false,
  });
  return <>{q.data?.name ?? props.appId}</>;
}

function Who(props: { orgId: string; appId: string; names: Map<string, string> }) {
  return (
    <>
      <strong>{props.names.get(props.orgId) ?? props.orgId}</strong>
      <div className="small">
        app <AppName orgId={props.orgId} appId={props.appId} />
      </div>
    </>
  );
}

const TABS: Array<[string, string]> = [
  ['accounts', 'Accounts'],
  ['screening', 'ScreeningEntry hits'],
  ['subscriptions', 'Subscriptions'],
  ['limits', 'Limit requests'],
  ['production', 'Production access'],
  ['organisations', 'Organisations'],
  ['apps', 'Apps'],
  ['catalogue', 'Catalogue'],
  ['eligibility', 'Eligibility'],
  ['terms', 'Terms'],
  ['participants', 'Participants'],
];

export function OperatorPage() {
  const { tab = 'accounts' } = useParams();
  const label = TABS.find(([k]) => k === tab)?.[1] ?? 'Accounts';
  return (
    <Page
      title={`Operator console: ${label}`}
      lead="Queues waiting for a decision, and the platform's terms and participants."
    >
      <nav aria-label="Operator" className="tabs">
        <ul>
          {TABS.map(([k, l]) => (
            <li key={k}>
              <Link to={`/operator/${k}`} aria-current={k === tab ? 'page' : undefined}>
                {l}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      {tab === 'accounts' ? <AccountsQueue screening={false} /> : null}
      {tab === 'screening' ? <AccountsQueue screening /> : null}
      {tab === 'subscriptions' ? <SubscriptionsQueue /> : null}
      {tab === 'limits' ? <LimitsQueue /> : null}
      {tab === 'production' ? <ProductionQueue /> : null}
      {tab === 'organisations' ? <OrganisationsAdmin /> : null}
      {tab === 'apps' ? <AppsAdmin /> : null}
      {tab === 'catalogue' ? <CatalogueAdmin /> : null}
      {tab === 'eligibility' ? <EligibilityAdmin /> : null}
      {tab === 'terms' ? <TermsAdmin /> : null}
      {tab === 'participants' ? <ParticipantsAdmin /> : null}
    </Page>
  );
}

function AccountsQueue(props: { screening: boolean }) {
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
            head={[
              'Person',
              'Eligibility',
              props.screening ? 'ScreeningEntry match' : 'Activated',
              'Decision',
            ]}
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

function SubscriptionsQueue() {
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

function LimitsQueue() {
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

function ProductionQueue() {
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
            head={['Requested', 'Organisation / app', 'Note', 'Decision']}
          >
            {list.map((r) => (
              <tr key={r.id}>
                <td>{when(r.createdAt)}</td>
                <td>
                  <Who orgId={r.orgId} appId={r.appId} names={names} />
                </td>
                <td>{r.note ?? '—'}</td>
                <td className="row-actions">
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

function OrganisationsAdmin() {
  const q = useQuery({
    queryKey: operatorKeys.orgs,
    queryFn: async () =>
      (await ok(api.GET('/api/v1/admin/organizations', { params: { query: { limit: 500 } } }))).items,
  });
  const [terminating, setTerminating] = useState<string | null>(null);
  return (
    <QueryView q={q} label="Loading organisations…">
      {(list) =>
        list.length === 0 ? (
          <Empty>No organisations yet.</Empty>
        ) : (
          <Table
            caption="Organisations"
            head={['Organisation', 'Participant', 'Representative', 'Status', 'Actions']}
          >
            {list.map((o) => (
              <tr key={o.id}>
                <td>
                  <strong>{o.name}</strong>
                  <div className="muted small">
                    {o.registrationNumber} · since {day(o.createdAt)}
                  </div>
                </td>
                <td>{o.participant.name}</td>
                <td>
                  <Badge
                    status={o.representativeConfirmed ? 'confirmed' : (o.representative?.status ?? 'pending')}
                  />
                </td>
                <td>
                  <Badge status={o.status} />
                  {o.detailsConfirmationDue ? <div className="muted small">details to re-confirm</div> : null}
                </td>
                <td className="row-actions">
                  {terminating === o.id ? (
                    <Form
                      danger
                      submitLabel="Terminate now"
                      onSubmit={async (v) => {
                        await ok(
                          api.POST('/api/v1/admin/orgs/{orgId}/terminate', {
                            params: { path: { orgId: o.id } },
                            body: { reason: String(v.reason ?? '').trim() },
                          }),
                        );
                        setTerminating(null);
                        await q.refetch();
                      }}
                      secondary={
                        <button type="button" className="btn btn-link" onClick={() => setTerminating(null)}>
                          Cancel
                        </button>
                      }
                    >
                      <Field
                        name="reason"
                        label={`Reason for terminating ${o.name}`}
                        required
                        type="textarea"
                        rows={2}
                      />
                    </Form>
                  ) : (
                    <>
                      <ActionButton
                        label={`Require ${o.name} to update its details`}
                        onClick={async () => {
                          await ok(
                            api.POST('/api/v1/admin/organizations/{orgId}/require-update', {
                              params: { path: { orgId: o.id } },
                            }),
                          );
                          await q.refetch();
                        }}
                      >
                        Require update
                      </ActionButton>
                      {o.status !== 'terminated' ? (
                        <button
                          type="button"
                          className="btn btn-danger"
                          aria-label={`Terminate ${o.name}`}
                          onClick={() => setTerminating(o.id)}
                        >
                          Terminate
                        </button>
                      ) : null}
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

function TermsAdmin() {
  const qc = useQueryClient();
  const docs = useQuery({
    queryKey: termsKeys.documents,
    queryFn: async () => (await ok(api.GET('/api/v1/terms/documents'))).items,
  });
  const drafts = useQuery({
    queryKey: termsKeys.drafts,
    queryFn: async () => (await ok(api.GET('/api/v1/admin/terms/drafts'))).items,
  });
  const refresh = async () => {
    await qc.invalidateQueries({ queryKey: termsKeys.documents });
    await drafts.refetch();
  };
  return (
    <>
      <Notice>
        A standard change takes effect no sooner than the notice period after publication. New functions and
        legal changes may take effect at once. Everyone affected is notified when you publish.
      </Notice>
      <details className="disclosure card">
        <summary>New terms document (for example a product's additional terms)</summary>
        <Form
          submitLabel="Create document"
          onSubmit={async (v, form) => {
            await ok(
              api.POST('/api/v1/admin/terms/documents', {
                body: {
                  slug: String(v.slug ?? '').trim(),
                  title: String(v.title ?? '').trim(),
                  kind: oneOf(v.kind, ['additional', 'policy', 'guideline', 'general'], 'additional'),
                  productSlug: String(v.productSlug ?? '').trim() || null,
                },
              }),
            );
            form.reset();
            await refresh();
          }}
        >
          <Field name="title" label="Title" required />
          <Field
            name="slug"
            label="Short name (slug)"
            required
            hint="Lower-case letters, digits and dashes."
          />
          <Field
            name="kind"
            label="Kind"
            defaultValue="additional"
            options={[
              { value: 'additional', label: "A product's additional terms" },
              { value: 'policy', label: 'Policy' },
              { value: 'guideline', label: 'Guideline' },
            ]}
          />
          <Field name="productSlug" label="Product (for additional terms)" placeholder="e.g. ibft" />
        </Form>
      </details>
      <QueryView q={docs} label="Loading documents…">
        {(list) => (
          <div className="stack">
            {list.map((d) => {
              const myDrafts = (drafts.data ?? []).filter(
                (v) => v.documentId === d.id && v.status === 'draft',
              );
              return (
                <article key={d.id} className="card">
                  <div className="card-head">
                    <h2 className="h3">
                      {d.title}{' '}
                      <span className="muted small">
                        ({d.kind}
                        {d.productSlug ? `, ${d.productSlug}` : ''})
                      </span>
                    </h2>
                    <span className="small">
                      {d.inForce
                        ? `v${d.inForce.version} in force since ${day(d.inForce.effectiveAt)}`
                        : 'nothing in force'}
                    </span>
                  </div>
                  {d.pending.map((p) => (
                    <p key={p.id} className="small">
                      <Badge status="scheduled" /> v{p.version} effective {when(p.effectiveAt)} — {p.summary}
                    </p>
                  ))}
                  {myDrafts.map((v) => (
                    <DraftEditor key={v.id} draft={v} onChange={refresh} />
                  ))}
                  {myDrafts.length === 0 ? (
                    <details className="disclosure">
                      <summary>Draft a new version</summary>
                      <Form
                        submitLabel="Save draft"
                        onSubmit={async (v) => {
                          await ok(
                            api.POST('/api/v1/admin/terms/documents/{documentId}/drafts', {
                              params: { path: { documentId: d.id } },
                              body: {
                                bodyMd: String(v.bodyMd ?? ''),
                                summary: String(v.summary ?? '').trim(),
                                changeClass: oneOf(
                                  v.changeClass,
                                  ['standard', 'new_function', 'legal'],
                                  'standard',
                                ),
                              },
                            }),
                          );
                          await refresh();
                        }}
                      >
                        <Field name="summary" label="Summary of changes" required />
                        <Field
                          name="changeClass"
                          label="Kind of change"
                          defaultValue="standard"
                          options={[
                            { value: 'standard', label: 'Standard (notice period applies)' },
                            { value: 'new_function', label: 'New function (may apply at once)' },
                            { value: 'legal', label: 'Legal reasons (may apply at once)' },
                          ]}
                        />
                        <Field
                          name="bodyMd"
                          label="Text (markdown)"
                          type="textarea"
                          rows={10}
                          required
                          defaultValue={d.inForce?.bodyMd ?? ''}
                        />
                      </Form>
                    </details>
                  ) : null}
                </article>
              );
            })}
          </div>
        )}
      </QueryView>
    </>
  );
}

function DraftEditor(props: { draft: TermsVersion & { documentId: string }; onChange: () => Promise<void> }) {
  const v = props.draft;
  const [preview, setPreview] = useState(false);
  const minDate = new Date(Date.now() + 15 * 86_400_000).toISOString().slice(0, 10);
  return (
    <div className="draft">
      <h3>
        Draft: {v.summary} <Badge status="draft" />{' '}
        <span className="muted small">({v.changeClass.replace('_', ' ')})</span>
      </h3>
      <button
        type="button"
        className="btn btn-link"
        aria-expanded={preview}
        onClick={() => setPreview(!preview)}
      >
        {preview ? 'Hide preview' : 'Preview the text'}
      </button>
      {preview ? (
        <div className="preview">
          <Markdown text={v.bodyMd} headingOffset={3} />
        </div>
      ) : null}
      <Form
        label={`Publish the draft "${v.summary}"`}
        submitLabel="Publish"
        codeFields={{ notice_period_too_short: 'effectiveAt', terms_notice_too_short: 'effectiveAt' }}
        onSubmit={async (vals) => {
          const d = String(vals.effectiveAt ?? '');
          await ok(
            api.POST('/api/v1/admin/terms/drafts/{versionId}/publish', {
              params: { path: { versionId: v.id } },
              body: { effectiveAt: d ? new Date(`${d}T00:00:00Z`).toISOString() : undefined },
            }),
          );
          await props.onChange();
        }}
      >
        <Field
          name="effectiveAt"
          label="Takes effect on"
          type="date"
          hint={
            v.changeClass === 'standard'
              ? `A standard change needs the notice period: not before ${minDate}. Leave empty for the earliest allowed date.`
              : 'Leave empty to take effect at publication.'
          }
        />
      </Form>
    </div>
  );
}

function ParticipantsAdmin() {
  const parts = useQuery({
    queryKey: orgKeys.participants,
    queryFn: async () => (await ok(api.GET('/api/v1/participants'))).items,
  });
  return (
    <div className="grid-2">
      <div className="card">
        <h2 className="h3">Participants</h2>
        <QueryView q={parts} label="Loading participants…">
          {(list) =>
            list.length === 0 ? (
              <Empty>No participants yet.</Empty>
            ) : (
              <ul className="plain-list">
                {list.map((p) => (
                  <li key={p.id}>
                    <ParticipantRow p={p} />
                  </li>
                ))}
              </ul>
            )
          }
        </QueryView>
      </div>
      <div className="card">
        <h2 className="h3">Add a participant</h2>
        <Form
          submitLabel="Add participant"
          onSubmit={async (v, form) => {
            await ok(
              api.POST('/api/v1/admin/participants', {
                body: {
                  name: String(v.name ?? '').trim(),
                  code: String(v.code ?? '').trim() || null,
                  emailDomain: String(v.emailDomain ?? '').trim() || null,
                },
              }),
            );
            form.reset();
            await parts.refetch();
          }}
        >
          <Field name="name" label="Name" required />
          <Field name="code" label="Code (e.g. IMD or short name)" />
          <Field name="emailDomain" label="E-mail domain" placeholder="bank.example.pk" />
        </Form>
      </div>
    </div>
  );
}

function ParticipantRow(props: { p: Participant }) {
  const [open, setOpen] = useState(false);
  const reviewers = useQuery({
    queryKey: operatorKeys.reviewers(props.p.id),
    queryFn: async () =>
      (
        await ok(
          api.GET('/api/v1/admin/participants/{participantId}/reviewers', {
            params: { path: { participantId: props.p.id } },
          }),
        )
      ).items,
    enabled: open,
  });
  return (
    <details onToggle={(e) => setOpen((e.target as HTMLDetailsElement).open)}>
      <summary>
        {props.p.name} {props.p.code ? <span className="muted">({props.p.code})</span> : null}
      </summary>
      {!open ? null : (
        <QueryView q={reviewers} label="Loading reviewers…">
          {(list) => (
            <>
              {list.length === 0 ? (
                <p className="muted small">No reviewers appointed.</p>
              ) : (
                <ul>
                  {list.map((r) => (
                    <li key={r.userId}>
                      {r.name} &lt;{r.email}&gt;{' '}
                      <ActionButton
                        variant="link"
                        label={`Remove reviewer ${r.name}`}
                        onClick={async () => {
                          await ok(
                            api.DELETE('/api/v1/admin/participants/{participantId}/reviewers/{userId}', {
                              params: { path: { participantId: props.p.id, userId: r.userId } },
                            }),
                          );
                          await reviewers.refetch();
                        }}
                      >
                        Remove
                      </ActionButton>
                    </li>
                  ))}
                </ul>
              )}
              <Form
                label={`Appoint a reviewer for ${props.p.name}`}
                submitLabel="Appoint reviewer"
                onSubmit={async (v, form) => {
                  await ok(
                    api.POST('/api/v1/admin/participants/{participantId}/reviewers', {
                      params: { path: { participantId: props.p.id } },
                      body: { user: String(v.user ?? '').trim() },
                    }),
                  );
                  form.reset();
                  await reviewers.refetch();
                }}
              >
                <Field name="user" label="User's e-mail or id" required />
              </Form>
            </>
          )}
        </QueryView>
      )}
    </details>
  );
}

// ------------------------------------------------------------------ participant reviewers

export function ReviewerPage() {
  const q = useQuery({
    queryKey: operatorKeys.reviewOrgs,
    queryFn: async () => (await ok(api.GET('/api/v1/review/organizations'))).items,
  });
  const [rejecting, setRejecting] = useState<string | null>(null);
  const me = useUser();
  return (
    <Page
      title="Representative reviews"
      lead="For reviewers acting for a corporate participant: confirm or reject the people who act for organisations that named you."
    >
      <QueryView q={q} label="Loading organisations…">
        {(list) =>
          list.length === 0 ? (
            <Empty>
              No organisations are waiting for you. Only appointed reviewers of a participant see
              organisations here.
            </Empty>
          ) : (
            <div className="stack">
              {list.map((o) => (
                <article key={o.id} className="card">
                  <div className="card-head">
                    <h2 className="h3">{o.name}</h2>
                    <span className="small">
                      Registration {o.registrationNumber} · {o.participant.name}
                    </span>
                  </div>
                  <p className="small muted">
                    Authority attested {when(o.authorityAttestedAt)}: “{o.authorityStatement}”
                  </p>
                  <Table
                    caption={`Representatives of ${o.name}`}
                    hideCaption
                    head={['Person', 'Status', 'Decision']}
                  >
                    {o.representatives.map((r) => {
                      const key = `${o.id}:${r.userId}`;
                      return (
                        <tr key={key}>
                          <td>
                            {r.name}
                            <div className="small">{r.email}</div>
                          </td>
                          <td>
                            <Badge status={r.status} />
                            {r.expiresAt ? <div className="muted small">until {day(r.expiresAt)}</div> : null}
                            {r.reason ? <div className="muted small">{r.reason}</div> : null}
                          </td>
                          <td className="row-actions">
                            {r.userId === me?.id ? (
                              <span className="muted small">
                                You cannot decide on your own representation.
                              </span>
                            ) : rejecting === key ? (
                              <Form
                                danger
                                submitLabel="Reject"
                                onSubmit={async (v) => {
                                  await ok(
                                    api.POST(
                                      '/api/v1/review/organizations/{orgId}/representatives/{userId}/reject',
                                      {
                                        params: { path: { orgId: o.id, userId: r.userId } },
                                        body: { reason: String(v.reason ?? '').trim() },
                                      },
                                    ),
                                  );
                                  setRejecting(null);
                                  await q.refetch();
                                }}
                              >
                                <Field name="reason" label="Reason" required />
                              </Form>
                            ) : (
                              <>
                                <ActionButton
                                  variant="primary"
                                  label={`Confirm ${r.name ?? r.email} for ${o.name}`}
                                  onClick={async () => {
                                    const until = new Date(Date.now() + 365 * 86_400_000).toISOString();
                                    await ok(
                                      api.POST(
                                        '/api/v1/review/organizations/{orgId}/representatives/{userId}/confirm',
                                        {
                                          params: { path: { orgId: o.id, userId: r.userId } },
                                          body: { validUntil: until },
                                        },
                                      ),
                                    );
                                    await q.refetch();
                                  }}
                                >
                                  {r.status === 'confirmed' ? 'Renew for a year' : 'Confirm for a year'}
                                </ActionButton>
                                <button
                                  type="button"
                                  className="btn btn-danger"
                                  onClick={() => setRejecting(key)}
                                >
                                  Reject
                                </button>
                              </>
                            )}
                          </td>
                        </tr>
                      );
                    })}
                  </Table>
                </article>
              ))}
            </div>
          )
        }
      </QueryView>
    </Page>
  );
}

const RATE_PERIODS = ['second', 'minute', 'hour', 'day', 'week'] as const;

function AppsAdmin() {
  const [status, setStatus] = useState('');
  const q = useQuery({
    queryKey: operatorKeys.apps(status),
    queryFn: async () =>
      (
        await ok(
          api.GET('/api/v1/admin/apps', {
            params: {
              query: { status: oneOfOrNone(status, ['active', 'suspended', 'revoked']), limit: 200 },
            },
          }),
        )
      ).items,
  });
  const names = useOrgNames();
  const [acting, setActing] = useState<string | null>(null);
  return (
    <>
      <div className="toolbar">
        <label htmlFor="apps-status">Status</label>
        <select id="apps-status" value={status} onChange={(e) => setStatus(e.target.value)}>
          <option value="">All</option>
          <option value="active">Active</option>
          <option value="suspended">Suspended</option>
          <option value="revoked">Deleted</option>
        </select>
      </div>
      <QueryView q={q} label="Loading apps…">
        {(list) =>
          list.length === 0 ? (
            <Empty>No apps.</Empty>
          ) : (
            <Table caption="Apps" head={['App', 'Organisation', 'Environment', 'Status', 'Action']}>
              {list.map((a) => (
                <tr key={a.id}>
                  <td>
                    <strong>{a.name}</strong>
                    <div className="muted small mono">{a.clientId}</div>
                  </td>
                  <td>{names.get(a.orgId) ?? a.orgId}</td>
                  <td>{a.environment}</td>
                  <td>
                    <Badge status={a.status} />
                  </td>
                  <td className="row-actions">
                    {a.status === 'revoked' ? null : acting === a.id ? (
                      <Form
                        danger={a.status === 'active'}
                        submitLabel={a.status === 'active' ? 'Suspend' : 'Reactivate'}
                        onSubmit={async (v) => {
                          await ok(
                            api.POST('/api/v1/admin/apps/{appId}/status', {
                              params: { path: { appId: a.id } },
                              body: {
                                status: a.status === 'active' ? 'suspended' : 'active',
                                reason: String(v.reason ?? '').trim(),
                              },
                            }),
                          );
                          setActing(null);
                          await q.refetch();
                        }}
                        secondary={
                          <button type="button" className="btn btn-link" onClick={() => setActing(null)}>
                            Cancel
                          </button>
                        }
                      >
                        <Field name="reason" label="Reason (sent to the organisation)" required />
                      </Form>
                    ) : (
                      <button
                        type="button"
                        className={a.status === 'active' ? 'btn btn-danger' : 'btn btn-secondary'}
                        aria-label={`${a.status === 'active' ? 'Suspend' : 'Reactivate'} ${a.name}`}
                        onClick={() => setActing(a.id)}
                      >
                        {a.status === 'active' ? 'Suspend' : 'Reactivate'}
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </Table>
          )
        }
      </QueryView>
    </>
  );
}

function EligibilityAdmin() {
  const barred = useQuery({
    queryKey: operatorKeys.barred,
    queryFn: async () => (await ok(api.GET('/api/v1/admin/identity/barred-countries'))).items,
  });
  const rules = useQuery({
    queryKey: operatorKeys.autoApprove,
    queryFn: async () => (await ok(api.GET('/api/v1/admin/identity/auto-approve-rules'))).items,
  });
  const screening = useQuery({
    queryKey: operatorKeys.screening,
    queryFn: async () => (await ok(api.GET('/api/v1/admin/identity/screening-list'))).items,
  });
  const idSettings = useQuery({
    queryKey: operatorKeys.identitySettings,
    queryFn: () => ok(api.GET('/api/v1/admin/identity/settings')),
  });
  const termsSettings = useQuery({
    queryKey: termsKeys.settings,
    queryFn: () => ok(api.GET('/api/v1/admin/terms/settings')),
  });
  const [saved, setSaved] = useState<string | null>(null);
  return (
    <>
      {saved ? (
        <Notice tone="ok">
          <span role="status">{saved}</span>
        </Notice>
      ) : null}
      <div className="grid-2">
        <div className="card">
          <h2 className="h3">BarredCountry countries</h2>
          <p className="muted small">
            Sign-ups living in, or using the APIs from, these countries are refused.
          </p>
          <QueryView q={barred} label="Loading…">
            {(list) => (
              <Form
                submitLabel="Save list"
                onSubmit={async (v) => {
                  const codes = String(v.codes ?? '')
                    .split(/[\s,;]+/)
                    .map((c) => c.trim().toUpperCase())
                    .filter(Boolean);
                  const notes = new Map(list.map((b) => [b.code, b.note]));
                  await ok(
                    api.PUT('/api/v1/admin/identity/barred-countries', {
                      body: { items: codes.map((code) => ({ code, note: notes.get(code) ?? null })) },
                    }),
                  );
                  await barred.refetch();
                  setSaved('The barred country list is saved.');
                }}
              >
                <Field
                  name="codes"
                  label="Country codes (ISO 3166-1 alpha-2)"
                  type="textarea"
                  rows={3}
                  defaultValue={list.map((b) => b.code).join(' ')}
                  hint={list
                    .map((b) => `${b.code} ${countryName(b.code)}${b.note ? ` (${b.note})` : ''}`)
                    .join('; ')}
                />
              </Form>
            )}
          </QueryView>
        </div>
        <div className="card">
          <h2 className="h3">Auto-approval by e-mail domain</h2>
          <QueryView q={rules} label="Loading…">
            {(list) =>
              list.length === 0 ? (
                <p className="muted small">No rules: every account waits for an operator.</p>
              ) : (
                <ul className="plain-list">
                  {list.map((r) => (
                    <li key={r.emailDomain}>
                      <span className="mono">{r.emailDomain}</span>{' '}
                      {r.note ? <span className="muted">— {r.note}</span> : null}{' '}
                      <ActionButton
                        variant="link"
                        label={`Remove the rule for ${r.emailDomain}`}
                        onClick={async () => {
                          await ok(
                            api.DELETE('/api/v1/admin/identity/auto-approve-rules/{emailDomain}', {
                              params: { path: { emailDomain: r.emailDomain } },
                            }),
                          );
                          await rules.refetch();
                        }}
                      >
                        Remove
                      </ActionButton>
                    </li>
                  ))}
                </ul>
              )
            }
          </QueryView>
          <Form
            submitLabel="Add rule"
            onSubmit={async (v, form) => {
              await ok(
                api.POST('/api/v1/admin/identity/auto-approve-rules', {
                  body: {
                    emailDomain: String(v.emailDomain ?? '').trim(),
                    note: String(v.note ?? '').trim() || null,
                  },
                }),
              );
              form.reset();
              await rules.refetch();
            }}
          >
            <Field name="emailDomain" label="E-mail domain" required placeholder="bank.example.pk" />
            <Field name="note" label="Note" />
          </Form>
        </div>
        <div className="card">
          <h2 className="h3">ScreeningEntry list</h2>
          <p className="muted small">
            Sign-ups whose name matches an entry are held for review (ScreeningEntry hits).
          </p>
          <QueryView q={screening} label="Loading…">
            {(list) => <p>{list.length.toLocaleString('en')} names on the list.</p>}
          </QueryView>
          <Form
            submitLabel="Import names"
            onSubmit={async (v, form) => {
              const r = await ok(
                api.POST('/api/v1/admin/identity/screening-list', {
                  body: { csv: String(v.csv ?? ''), replace: v.replace === true },
                }),
              );
              form.reset();
              await screening.refetch();
              setSaved(`Imported ${r.imported} names; ${r.total} on the list.`);
            }}
          >
            <Field
              name="csv"
              label="CSV with a name column (and optional reference)"
              type="textarea"
              rows={4}
              required
              placeholder={'name,reference\nExample Person,REF-1'}
            />
            <Field name="replace" type="checkbox" label="Replace the whole list" />
          </Form>
        </div>
        <div className="card">
          <h2 className="h3">Periods</h2>
          <QueryView q={idSettings} label="Loading…">
            {(st) => (
              <Form
                submitLabel="Save re-confirmation period"
                onSubmit={async (v) => {
                  await ok(
                    api.PUT('/api/v1/admin/identity/settings', {
                      body: { reconfirmMonths: Number(v.reconfirmMonths) },
                    }),
                  );
                  await idSettings.refetch();
                  setSaved('Re-confirmation period saved.');
                }}
              >
                <Field
                  name="reconfirmMonths"
                  label="Re-confirm profile and organisation details every (months)"
                  type="number"
                  min="1"
                  max="60"
                  defaultValue={String(st.reconfirmMonths)}
                />
              </Form>
            )}
          </QueryView>
          <QueryView q={termsSettings} label="Loading…">
            {(st) => (
              <Form
                submitLabel="Save terms periods"
                onSubmit={async (v) => {
                  await ok(
                    api.PATCH('/api/v1/admin/terms/settings', {
                      body: {
                        standardNoticeDays: Number(v.standardNoticeDays),
                        terminationNoticeDays: Number(v.terminationNoticeDays),
                        retentionDays: Number(v.retentionDays),
                      },
                    }),
                  );
                  await termsSettings.refetch();
                  setSaved('Terms periods saved.');
                }}
              >
                <Field
                  name="standardNoticeDays"
                  label="Notice before a standard terms change takes effect (days)"
                  type="number"
                  defaultValue={String(st.standardNoticeDays)}
                  hint="Never below what the published terms promise."
                />
                <Field
                  name="terminationNoticeDays"
                  label="Notice an organisation gives to terminate (days)"
                  type="number"
                  defaultValue={String(st.terminationNoticeDays)}
                />
                <Field
                  name="retentionDays"
                  label="Data kept read-only after termination (days)"
                  type="number"
                  defaultValue={String(st.retentionDays)}
                />
              </Form>
            )}
          </QueryView>
        </div>
      </div>
    </>
  );
}

function CatalogueAdmin() {
  const q = useQuery({
    queryKey: operatorKeys.products,
    queryFn: async () =>
      (await ok(api.GET('/api/v1/products', { params: { query: { all: 'true' } } }))).items,
  });
  const qc = useQueryClient();
  const refresh = async () => {
    await q.refetch();
    await qc.invalidateQueries({ queryKey: catalogKeys.products });
  };
  const lifecycle = async (step: 'deprecate' | 'retire', slug: string) => {
    const note = window.prompt('Note for subscribers (what to use instead, until when)');
    if (note === null) return;
    const init = { params: { path: { slug } }, body: { note: note.trim() || undefined } };
    if (step === 'deprecate') await ok(api.POST('/api/v1/admin/products/{slug}/deprecate', init));
    else await ok(api.POST('/api/v1/admin/products/{slug}/retire', init));
    await refresh();
  };
  return (
    <>
      <details className="disclosure card">
        <summary>New product</summary>
        <Form
          submitLabel="Create product (draft)"
          onSubmit={async (v, form) => {
            await ok(
              api.POST('/api/v1/admin/products', {
                body: {
                  slug: String(v.slug ?? '').trim(),
                  name: String(v.name ?? '').trim(),
                  description: String(v.description ?? ''),
                },
              }),
            );
            form.reset();
            await refresh();
          }}
        >
          <Field name="name" label="Name" required />
          <Field
            name="slug"
            label="Short name (slug)"
            required
            hint="Lower-case letters, digits and dashes."
          />
          <Field name="description" label="Description (markdown)" type="textarea" rows={3} />
        </Form>
      </details>
      <QueryView q={q} label="Loading the catalogue…">
        {(list) => (
          <div className="stack">
            {list.map((p) => (
              <article key={p.id} className="card">
                <div className="card-head">
                  <h2 className="h3">
                    {p.name} <span className="muted small">({p.slug})</span> <Badge status={p.status} />
                  </h2>
                  <span className="row-actions">
                    {p.status === 'draft' ? (
                      <ActionButton
                        variant="primary"
                        onClick={async () => {
                          await ok(
                            api.POST('/api/v1/admin/products/{slug}/publish', {
                              params: { path: { slug: p.slug } },
                            }),
                          );
                          await refresh();
                        }}
                      >
                        Publish
                      </ActionButton>
                    ) : null}
                    {p.status === 'published' ? (
                      <ActionButton onClick={() => lifecycle('deprecate', p.slug)}>Deprecate</ActionButton>
                    ) : null}
                    {p.status === 'published' || p.status === 'deprecated' ? (
                      <ActionButton variant="danger" onClick={() => lifecycle('retire', p.slug)}>
                        Retire
                      </ActionButton>
                    ) : null}
                  </span>
                </div>
                <p className="small">
                  APIs:{' '}
                  {p.apis
                    .map((a) => `${a.name} ${a.version} (${a.operations.length} operations)`)
                    .join(', ') || 'none'}
                </p>
                <PlansTable plans={p.plans} caption={`Plans of ${p.name}`} />
                <details className="disclosure">
                  <summary>New plan for {p.name}</summary>
                  <Form
                    submitLabel="Create plan"
                    onSubmit={async (v, form) => {
                      const num = (x: unknown) => (String(x ?? '').trim() ? Number(x) : null);
                      const rate = num(v.rateLimit);
                      const cap = num(v.endUserCap);
                      await ok(
                        api.POST('/api/v1/admin/products/{slug}/plans', {
                          params: { path: { slug: p.slug } },
                          body: {
                            name: String(v.name ?? '').trim(),
                            description: String(v.description ?? ''),
                            rateLimits: rate
                              ? [{ period: oneOf(v.ratePeriod, RATE_PERIODS, 'hour'), limit: rate }]
                              : [],
                            burst: num(v.burst),
                            quotaDay: num(v.quotaDay),
                            quotaMonth: num(v.quotaMonth),
                            endUserCap: cap ? { limit: cap, period: 'month' } : null,
                            approvalRequired: v.approvalRequired === true,
                          },
                        }),
                      );
                      form.reset();
                      await refresh();
                    }}
                  >
                    <Field name="name" label="Plan name" required />
                    <Field name="description" label="Description" />
                    <div className="grid-2 tight">
                      <Field name="rateLimit" label="Rate limit (calls)" type="number" min="1" />
                      <Field
                        name="ratePeriod"
                        label="per"
                        defaultValue="hour"
                        options={RATE_PERIODS.map((x) => ({
                          value: x,
                          label: x,
                        }))}
                      />
                      <Field name="burst" label="Burst" type="number" min="1" />
                      <Field name="endUserCap" label="Distinct end users a month" type="number" min="1" />
                      <Field name="quotaDay" label="Daily quota" type="number" min="1" />
                      <Field name="quotaMonth" label="Monthly quota" type="number" min="1" />
                    </div>
                    <Field
                      name="approvalRequired"
                      type="checkbox"
                      label="Subscriptions need an operator's approval"
                    />
                  </Form>
                </details>
                <details className="disclosure">
                  <summary>Add an API version (OpenAPI 3.1 document)</summary>
                  <Form
                    submitLabel="Add API version"
                    codeFields={{ invalid_openapi: 'openapi' }}
                    onSubmit={async (v, form) => {
                      let doc: unknown;
                      try {
                        doc = JSON.parse(String(v.openapi ?? ''));
                      } catch {}
                      if (!isJsonObject(doc)) {
                        throw new ApiError(
                          400,
                          'invalid_openapi',
                          'The document is not valid JSON.',
                          undefined,
                          [{ field: 'openapi', message: 'must be a JSON OpenAPI document' }],
                        );
                      }
                      await ok(
                        api.POST('/api/v1/admin/products/{slug}/apis', {
                          params: { path: { slug: p.slug } },
                          body: { openapi: doc },
                        }),
                      );
                      form.reset();
                      await refresh();
                    }}
                  >
                    <Field name="openapi" label="OpenAPI document (JSON)" type="textarea" rows={8} required />
                  </Form>
                </details>
              </article>
            ))}
          </div>
        )}
      </QueryView>
    </>
  );
}
