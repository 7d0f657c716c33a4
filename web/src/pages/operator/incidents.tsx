import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { Incident } from '../../api/views.ts';
import { api, ok } from '../../api.ts';
import { IncidentEvidence, useEnforcementReasons } from '../../components/enforcement.tsx';
import { Badge, Empty, Field, Form, QueryView, Table, when } from '../../components.tsx';
import { oneOf, oneOfOrNone } from '../../form-values.ts';
import { operatorKeys } from './queries.ts';
import { useOrgNames } from './shared.tsx';

const STATUSES = ['open', 'acknowledged', 'resolved', 'actioned'] as const;
const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
const SORTS = ['newest', 'oldest', 'severity', 'count'] as const;
const ACTIONS = ['warn', 'throttle', 'suspend_app', 'suspend_org', 'reinstate', 'terminate_org'] as const;
const PERIODS = ['second', 'minute', 'hour', 'day', 'week'] as const;
const PAGE = 25;

/** The incident queue: filter, sort, page, and drill into one incident's evidence and actions. */
export function IncidentsAdmin() {
  const [status, setStatus] = useState('open');
  const [severity, setSeverity] = useState('');
  const [sort, setSort] = useState('newest');
  const [offset, setOffset] = useState(0);
  const [open, setOpen] = useState<string | null>(null);
  const names = useOrgNames();
  const q = useQuery({
    queryKey: operatorKeys.incidents(status, severity, sort, offset),
    queryFn: () =>
      ok(
        api.GET('/api/v1/admin/incidents', {
          params: {
            query: {
              status: oneOfOrNone(status, STATUSES),
              severity: oneOfOrNone(severity, SEVERITIES),
              sort: oneOf(sort, SORTS, 'newest'),
              limit: PAGE,
              offset,
            },
          },
        }),
      ),
  });
  return (
    <>
      <div className="toolbar">
        <label htmlFor="inc-status">Status</label>
        <select
          id="inc-status"
          value={status}
          onChange={(e) => {
            setStatus(e.target.value);
            setOffset(0);
          }}
        >
          <option value="">All</option>
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
        <label htmlFor="inc-severity">Severity</label>
        <select
          id="inc-severity"
          value={severity}
          onChange={(e) => {
            setSeverity(e.target.value);
            setOffset(0);
          }}
        >
          <option value="">All</option>
          {SEVERITIES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
        <label htmlFor="inc-sort">Sort</label>
        <select id="inc-sort" value={sort} onChange={(e) => setSort(e.target.value)}>
          {SORTS.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </div>
      <QueryView q={q} label="Loading incidents…">
        {(page) =>
          page.items.length === 0 ? (
            <Empty>No incidents.</Empty>
          ) : (
            <>
              <Table
                caption="Incidents"
                head={['Incident', 'Organisation', 'Severity', 'Count', 'Status', '']}
              >
                {page.items.map((i) => (
                  <tr key={i.id}>
                    <td>
                      <strong>{i.title}</strong>
                      <div className="muted small">
                        {i.detector} · {i.subject.kind} {i.subject.id} · {when(i.createdAt)}
                      </div>
                    </td>
                    <td>{i.orgId ? (names.get(i.orgId) ?? i.orgId) : '—'}</td>
                    <td>{i.severity}</td>
                    <td>{i.count}</td>
                    <td>
                      <Badge status={i.status} />
                    </td>
                    <td>
                      <button
                        type="button"
                        className="btn btn-secondary"
                        aria-label={`Open incident ${i.title}`}
                        onClick={() => setOpen(open === i.id ? null : i.id)}
                      >
                        {open === i.id ? 'Close' : 'Open'}
                      </button>
                    </td>
                  </tr>
                ))}
              </Table>
              <p className="muted">
                {offset + 1}–{offset + page.items.length} of {page.total}{' '}
                {offset > 0 ? (
                  <button
                    type="button"
                    className="btn btn-link"
                    onClick={() => setOffset(Math.max(0, offset - PAGE))}
                  >
                    Previous
                  </button>
                ) : null}
                {offset + PAGE < page.total ? (
                  <button type="button" className="btn btn-link" onClick={() => setOffset(offset + PAGE)}>
                    Next
                  </button>
                ) : null}
              </p>
              {open ? <IncidentPanel id={open} onChange={() => q.refetch()} /> : null}
            </>
          )
        }
      </QueryView>
      <h2>Record an incident</h2>
      <NewIncident onDone={() => q.refetch()} />
    </>
  );
}

function NewIncident(props: { onDone: () => void }) {
  return (
    <Form
      submitLabel="Record incident"
      onSubmit={async (v, form) => {
        await ok(
          api.POST('/api/v1/admin/incidents', {
            body: {
              severity: oneOf(v.severity, SEVERITIES, 'medium'),
              subject: {
                kind: oneOf(v.subjectKind, ['organization', 'app', 'account', 'source_address'], 'app'),
                id: String(v.subjectId ?? '').trim(),
              },
              title: String(v.title ?? '').trim(),
              summary: String(v.summary ?? '').trim(),
              termsClause: String(v.termsClause ?? '').trim() || undefined,
            },
          }),
        );
        form.reset();
        props.onDone();
      }}
    >
      <Field name="title" label="Title" required />
      <Field
        name="subjectKind"
        label="Subject"
        options={[
          { value: 'app', label: 'App' },
          { value: 'organization', label: 'Organisation' },
          { value: 'account', label: 'Account' },
          { value: 'source_address', label: 'Source address' },
        ]}
      />
      <Field name="subjectId" label="Subject id (app_…, org_…, usr_… or an address)" required />
      <Field name="severity" label="Severity" options={SEVERITIES.map((s) => ({ value: s, label: s }))} />
      <Field name="summary" label="Summary" type="textarea" />
      <Field name="termsClause" label="Clause of the terms" />
    </Form>
  );
}

function IncidentPanel(props: { id: string; onChange: () => void }) {
  const qc = useQueryClient();
  const q = useQuery({
    queryKey: operatorKeys.incident(props.id),
    queryFn: () =>
      ok(api.GET('/api/v1/admin/incidents/{incidentId}', { params: { path: { incidentId: props.id } } })),
  });
  const refresh = async () => {
    await qc.invalidateQueries({ queryKey: operatorKeys.incident(props.id) });
    props.onChange();
  };
  const patch = (body: { status?: 'acknowledged' | 'resolved'; reason?: string; breachType?: string }) =>
    ok(
      api.PATCH('/api/v1/admin/incidents/{incidentId}', { params: { path: { incidentId: props.id } }, body }),
    );
  return (
    <QueryView q={q} label="Loading the incident…">
      {(d) => (
        <section className="card" aria-labelledby="incident-h">
          <h2 id="incident-h">
            {d.incident.title} <Badge status={d.incident.status} />
          </h2>
          <IncidentEvidence detail={d} />
          {d.incident.status === 'open' || d.incident.status === 'acknowledged' ? (
            <>
              {d.incident.status === 'open' ? (
                <button
                  type="button"
                  className="btn btn-secondary"
                  onClick={async () => {
                    await patch({ status: 'acknowledged' });
                    await refresh();
                  }}
                >
                  Acknowledge
                </button>
              ) : null}
              <h3>Resolve without action</h3>
              <Form
                submitLabel="Resolve"
                onSubmit={async (v) => {
                  await patch({ status: 'resolved', reason: String(v.reason ?? '').trim() });
                  await refresh();
                }}
              >
                <Field name="reason" label="Why it needs no action" required />
              </Form>
              <h3>Confirm as a breach</h3>
              <Form
                submitLabel="Confirm breach"
                danger
                onSubmit={async (v) => {
                  await patch({ breachType: String(v.breachType ?? '').trim() });
                  await refresh();
                }}
              >
                <Field name="breachType" label="Breach type (enabled policies for it act at once)" required />
              </Form>
              <h3>Take an action</h3>
              <ActionForm incident={d.incident} onDone={refresh} />
            </>
          ) : null}
        </section>
      )}
    </QueryView>
  );
}

/** An enforcement action, from an incident or on an app or organisation directly. */
export function ActionForm(props: {
  incident?: Incident;
  appId?: string;
  orgId?: string;
  kinds?: readonly (typeof ACTIONS)[number][];
  onDone: () => void;
}) {
  const reasons = useEnforcementReasons();
  const kinds = props.kinds ?? ACTIONS;
  return (
    <Form
      submitLabel="Take action"
      danger
      onSubmit={async (v) => {
        const kind = oneOf(v.kind, ACTIONS, 'warn');
        const limit = Number(v.limit ?? 0);
        await ok(
          api.POST('/api/v1/admin/enforcement-actions', {
            body: {
              kind,
              incidentId: props.incident?.id,
              appId: props.appId,
              orgId: props.orgId,
              reasonCategory: oneOf(
                v.reasonCategory,
                reasons.data?.map((r) => r.category) ?? ['other'],
                'other',
              ),
              reason: String(v.reason ?? '').trim(),
              throttle:
                kind === 'throttle' ? { period: oneOf(v.period, PERIODS, 'minute'), limit } : undefined,
              endsAt: v.endsAt ? new Date(String(v.endsAt)).toISOString() : undefined,
            },
          }),
        );
        props.onDone();
      }}
    >
      <Field
        name="kind"
        label="Action"
        options={kinds.map((k) => ({ value: k, label: k.replace('_', ' ') }))}
      />
      <Field
        name="reasonCategory"
        label="Reason category"
        options={(reasons.data ?? []).map((r) => ({ value: r.category, label: r.label }))}
      />
      <Field name="reason" label="Reason (sent to the organisation)" type="textarea" required />
      <Field name="limit" label="Throttle: at most this many calls" type="number" />
      <Field name="period" label="Throttle: per" options={PERIODS.map((p) => ({ value: p, label: p }))} />
      <Field name="endsAt" label="Throttle or warning ends at" type="datetime-local" />
    </Form>
  );
}
