import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import type { AuditEventItem, AuditVerification } from '../../api/views.ts';
import { api, ok } from '../../api.ts';
import { Badge, Dl, Empty, Field, Form, Notice, QueryView, Table, when } from '../../components.tsx';
import { operatorKeys } from './queries.ts';

/**
 * The operator's audit trail (issue 32, item 4): the chain's verification state, a search by actor,
 * organisation, action, target and time kept in the address (so a search can be linked to), pages
 * of events newest first, the CSV export of the same search, and each event linking to what it
 * concerns.
 */

/** The search filters the address may carry, as listAuditEvents names them. */
const FILTERS = ['actorId', 'orgId', 'actionPrefix', 'targetType', 'targetId', 'from', 'to'] as const;
type Filters = Partial<Record<(typeof FILTERS)[number], string>>;

/** A day (YYYY-MM-DD, read as UTC) as the API's `from` (its start) or `to` (the next day's start). */
function dayBound(d: string | undefined, end: boolean): string | undefined {
  if (!d || !/^\d{4}-\d{2}-\d{2}$/.test(d)) return undefined;
  const ms = Date.parse(`${d}T00:00:00Z`) + (end ? 86_400_000 : 0);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

function apiQuery(f: Filters) {
  return {
    actorId: f.actorId || undefined,
    orgId: f.orgId || undefined,
    actionPrefix: f.actionPrefix || undefined,
    targetType: f.targetType || undefined,
    targetId: f.targetId || undefined,
    from: dayBound(f.from, false),
    to: dayBound(f.to, true),
  };
}

export function AuditAdmin() {
  const [params] = useSearchParams();
  const filters: Filters = {};
  for (const k of FILTERS) {
    const v = params.get(k);
    if (v) filters[k] = v;
  }
  const search = params.toString();
  return (
    <>
      <VerificationPanel />
      <SearchForm key={`form-${search}`} filters={filters} />
      <EventPages key={`pages-${search}`} filters={filters} />
    </>
  );
}

function VerificationPanel() {
  const q = useQuery({
    queryKey: operatorKeys.auditVerification,
    queryFn: () => ok(api.GET('/api/v1/admin/audit/verification')),
  });
  return (
    <section className="card" aria-labelledby="audit-verification">
      <h2 className="h3" id="audit-verification">
        Chain verification
      </h2>
      <QueryView q={q} label="Loading the verification state…">
        {(v) => <VerificationState v={v} />}
      </QueryView>
    </section>
  );
}

function VerificationState({ v }: { v: AuditVerification }) {
  if (!v.verifiedAt) {
    return <p className="muted">The chain has not been verified yet: the worker verifies it periodically.</p>;
  }
  const d = v.firstDamage;
  return (
    <>
      {d ? (
        <Notice tone="bad" title="Damage found">
          First bad event: {d.kind} at sequence {d.seq}
          {d.eventId ? ` (${d.eventId})` : ''}. {d.message}
        </Notice>
      ) : (
        <Notice tone="ok" title="Intact">
          Every sealed event from sequence {v.fromSeq} on matches the chain and its signed checkpoints.
        </Notice>
      )}
      <Dl
        rows={[
          ['State', <Badge key="s" status={d ? 'damaged' : 'intact'} />],
          ['Verified', when(v.verifiedAt)],
          ['Sealed events checked', v.sealed.toLocaleString('en')],
          ['Unsealed (not chained yet)', v.unsealed.toLocaleString('en')],
          ['Unanchored (after the last checkpoint)', v.unanchored.toLocaleString('en')],
          [
            'Last checkpoint',
            v.lastCheckpoint
              ? `sequence ${v.lastCheckpoint.seq}, ${when(v.lastCheckpoint.at)}, key ${v.lastCheckpoint.keyId}`
              : 'none yet',
          ],
        ]}
      />
    </>
  );
}

function SearchForm({ filters }: { filters: Filters }) {
  const [, setParams] = useSearchParams();
  const csv = new URLSearchParams();
  for (const [k, v] of Object.entries(apiQuery(filters))) if (v) csv.set(k, v);
  return (
    <section className="card" aria-labelledby="audit-search">
      <h2 className="h3" id="audit-search">
        Search
      </h2>
      <Form
        label="Search the audit trail"
        submitLabel="Search"
        className="form form-grid"
        onSubmit={(values) => {
          const next = new URLSearchParams();
          for (const k of FILTERS) {
            const v = String(values[k] ?? '').trim();
            if (v) next.set(k, v);
          }
          setParams(next);
        }}
        secondary={
          <Link className="btn btn-link" to="/operator/audit">
            Clear
          </Link>
        }
      >
        <Field name="actorId" label="Actor (user or app id)" defaultValue={filters.actorId} />
        <Field name="orgId" label="Organisation id" defaultValue={filters.orgId} />
        <Field
          name="actionPrefix"
          label="Action"
          hint="Matches actions that start with it: app. finds every app action."
          defaultValue={filters.actionPrefix}
        />
        <Field name="targetType" label="Target type" defaultValue={filters.targetType} />
        <Field name="targetId" label="Target id" defaultValue={filters.targetId} />
        <Field name="from" label="From (UTC day)" type="date" defaultValue={filters.from} />
        <Field name="to" label="To (UTC day, included)" type="date" defaultValue={filters.to} />
      </Form>
      <p className="links">
        <a href={`/api/v1/admin/audit/events.csv${csv.size ? `?${csv}` : ''}`} download>
          Export these events as CSV
        </a>
      </p>
    </section>
  );
}

function EventPages({ filters }: { filters: Filters }) {
  // Cursors of the pages before this one (keyset paging: each is the previous page's last id).
  const [cursors, setCursors] = useState<string[]>([]);
  const cursor = cursors.at(-1);
  const query = apiQuery(filters);
  const q = useQuery({
    queryKey: operatorKeys.auditEvents(JSON.stringify(query), cursor ?? ''),
    queryFn: () =>
      ok(api.GET('/api/v1/admin/audit/events', { params: { query: { ...query, cursor, limit: 50 } } })),
  });
  return (
    <QueryView q={q} label="Loading events…">
      {(page) => (
        <>
          {page.items.length === 0 ? (
            <Empty>No events match this search.</Empty>
          ) : (
            <Table
              caption="Audit events, newest first"
              head={['When', 'Actor', 'Action', 'Concerns', 'From']}
            >
              {page.items.map((e) => (
                <EventRow key={e.id} e={e} />
              ))}
            </Table>
          )}
          <nav aria-label="Audit event pages" className="form-actions">
            {cursors.length > 0 ? (
              <button type="button" className="btn" onClick={() => setCursors(cursors.slice(0, -1))}>
                Newer events
              </button>
            ) : null}
            {page.nextCursor ? (
              <button
                type="button"
                className="btn"
                onClick={() => setCursors([...cursors, page.nextCursor as string])}
              >
                Older events
              </button>
            ) : null}
          </nav>
        </>
      )}
    </QueryView>
  );
}

/** A link to the events of one search (the address keeps the filters). */
function searchLink(f: Filters): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(f)) if (v) p.set(k, v);
  return `/operator/audit?${p}`;
}

/** Where the thing an event concerns is shown: its own page where one exists, else its events. */
function targetHref(e: AuditEventItem): string | null {
  if (!e.targetType || !e.targetId) return null;
  switch (e.targetType) {
    case 'organization':
      return `/orgs/${e.targetId}`;
    case 'app':
      return e.orgId ? `/orgs/${e.orgId}/apps/${e.targetId}` : null;
    case 'terms_version':
      return `/terms/versions/${e.targetId}`;
    case 'product':
      return `/catalog/${e.targetId}`;
    default:
      return null;
  }
}

function EventRow({ e }: { e: AuditEventItem }) {
  const own = targetHref(e);
  return (
    <tr>
      <td>
        {when(e.at)}
        <div className="muted small">{e.id}</div>
      </td>
      <td>
        {e.actorId ? (
          <Link to={searchLink({ actorId: e.actorId })} aria-label={`Events by ${e.actorType} ${e.actorId}`}>
            {e.actorId}
          </Link>
        ) : (
          '—'
        )}
        <div className="muted small">{e.actorType}</div>
      </td>
      <td>
        <code>{e.action}</code>
      </td>
      <td>
        {e.targetType && e.targetId ? (
          <>
            {own ? <Link to={own}>{`${e.targetType} ${e.targetId}`}</Link> : `${e.targetType} ${e.targetId}`}
            <div className="small">
              <Link
                to={searchLink({ targetType: e.targetType, targetId: e.targetId })}
                aria-label={`Events about ${e.targetType} ${e.targetId}`}
              >
                its events
              </Link>
            </div>
          </>
        ) : null}
        {e.orgId && !(e.targetType === 'organization' && e.targetId === e.orgId) ? (
          <div className="small">
            organisation <Link to={`/orgs/${e.orgId}`}>{e.orgId}</Link>
            {' · '}
            <Link to={searchLink({ orgId: e.orgId })} aria-label={`Events of organisation ${e.orgId}`}>
              its events
            </Link>
          </div>
        ) : null}
      </td>
      <td className="small">{e.ip ?? '—'}</td>
    </tr>
  );
}
