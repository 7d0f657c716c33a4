import { useQuery } from '@tanstack/react-query';
import { api, ok } from '../../api.ts';
import { Badge, Empty, Field, Form, QueryView, Table, when } from '../../components.tsx';
import { useUser } from '../../session.tsx';

const DATA_CLASSES: Array<[string, string]> = [
  ['account_and_eligibility', 'Account and eligibility data'],
  ['terms_acceptances', 'Terms acceptances'],
  ['apps_and_credentials', 'Apps and credential metadata (never secrets)'],
  ['usage', 'Usage'],
  ['request_logs', 'Request logs'],
  ['incidents', 'Incidents'],
  ['audit_events', 'Audit events'],
];

const ids = (v: unknown) =>
  String(v ?? '')
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);
const isoDay = (v: unknown) => `${String(v)}T00:00:00Z`;

const regulatorKeys = { requests: ['regulator-requests'], information: ['information-requests'] } as const;

/**
 * Regulator information requests (recorded here, approved by a second operator, the signed bundle
 * built by the worker and downloaded), the published export key, and information requests to
 * organisations with their answers (docs/regulator-requests.md).
 */
export function RegulatorAdmin() {
  const myId = useUser()?.id;
  const q = useQuery({
    queryKey: regulatorKeys.requests,
    queryFn: async () => (await ok(api.GET('/api/v1/admin/regulator-requests'))).items,
    refetchInterval: (query) =>
      query.state.data?.some((r) => r.export.state === 'pending' || r.export.state === 'building')
        ? 2000
        : false,
  });
  const key = useQuery({
    queryKey: ['export-key'],
    queryFn: () => ok(api.GET('/api/v1/regulator/export-key')),
  });
  return (
    <>
      <QueryView q={q} label="Loading regulator requests…">
        {(list) =>
          list.length === 0 ? (
            <Empty>No regulator requests recorded.</Empty>
          ) : (
            <Table caption="Regulator requests" head={['Request', 'Due', 'Status', 'Bundle', '']}>
              {list.map((r) => (
                <tr key={r.id}>
                  <td>
                    <strong>
                      {r.authority} · {r.reference}
                    </strong>
                    <div className="muted small">
                      {r.dataClasses.join(', ').replaceAll('_', ' ')} · {r.dateRange.from.slice(0, 10)} to{' '}
                      {r.dateRange.to.slice(0, 10)} · organisations {r.resolvedOrgIds.join(', ')}
                      {r.confidential ? ' · confidential' : ''}
                    </div>
                  </td>
                  <td>{when(r.dueAt)}</td>
                  <td>
                    <Badge status={r.status} />
                  </td>
                  <td>
                    {r.export.state === 'none' ? 'after approval' : r.export.state}
                    {r.export.state === 'building'
                      ? ` (${r.export.rows} rows; ${r.export.progress ?? ''})`
                      : ''}
                    {r.export.state === 'failed' ? `: ${r.export.error ?? ''}` : ''}
                  </td>
                  <td>
                    {r.status === 'received' && r.createdBy !== myId ? (
                      <button
                        type="button"
                        className="btn btn-secondary"
                        aria-label={`Approve ${r.reference}`}
                        onClick={async () => {
                          await ok(
                            api.POST('/api/v1/admin/regulator-requests/{requestId}/approve', {
                              params: { path: { requestId: r.id } },
                            }),
                          );
                          await q.refetch();
                        }}
                      >
                        Approve
                      </button>
                    ) : null}
                    {r.status === 'received' && r.createdBy === myId ? (
                      <span className="muted small">a second operator approves</span>
                    ) : null}
                    {r.export.state === 'ready' ? (
                      <a href={`/api/v1/admin/regulator-requests/${r.id}/export.tar`} download>
                        Download bundle
                      </a>
                    ) : null}
                  </td>
                </tr>
              ))}
            </Table>
          )
        }
      </QueryView>
      <section className="card" aria-labelledby="regulator-new-h">
        <h2 id="regulator-new-h">Record a regulator request</h2>
        <Form
          submitLabel="Record request"
          onSubmit={async (v, form) => {
            await ok(
              api.POST('/api/v1/admin/regulator-requests', {
                body: {
                  authority: String(v.authority ?? ''),
                  reference: String(v.reference ?? ''),
                  legalBasis: String(v.legalBasis ?? ''),
                  dueAt: isoDay(v.dueAt),
                  scope: { orgIds: ids(v.orgIds), userIds: ids(v.userIds), appIds: ids(v.appIds) },
                  dateRange: { from: isoDay(v.from), to: isoDay(v.to) },
                  dataClasses: DATA_CLASSES.map(([k]) => k).filter((k) => v[`class_${k}`] === true),
                  confidential: v.confidential === true,
                  notes: String(v.notes ?? ''),
                },
              }),
            );
            form.reset();
            await q.refetch();
          }}
        >
          <Field name="authority" label="Authority" required />
          <Field name="reference" label="Their reference" required />
          <Field name="legalBasis" label="Legal basis" type="textarea" rows={2} required />
          <Field name="dueAt" label="Due date (UTC)" type="date" required />
          <Field
            name="orgIds"
            label="Organisation ids"
            hint="org_…, separated by commas"
            aliases={['scope', 'scope.orgIds']}
          />
          <Field name="userIds" label="User ids" hint="usr_…" aliases={['scope.userIds']} />
          <Field name="appIds" label="App ids" hint="app_…" aliases={['scope.appIds']} />
          <Field
            name="from"
            label="From (UTC, inclusive)"
            type="date"
            required
            aliases={['dateRange.from']}
          />
          <Field name="to" label="To (UTC, exclusive)" type="date" required aliases={['dateRange.to']} />
          <fieldset>
            <legend>Data classes</legend>
            {DATA_CLASSES.map(([k, l]) => (
              <Field key={k} name={`class_${k}`} label={l} type="checkbox" />
            ))}
          </fieldset>
          <Field name="confidential" label="Confidential: do not tell the organisations" type="checkbox" />
          <Field name="notes" label="Notes for operators" type="textarea" rows={2} />
        </Form>
      </section>
      <section className="card" aria-labelledby="export-key-h">
        <h2 id="export-key-h">Published export key</h2>
        <QueryView q={key} label="Loading the export key…">
          {(k) => (
            <>
              <p>
                Key id <code>{k.keyId}</code> (Ed25519), published at{' '}
                <code>/api/v1/regulator/export-key</code>. Bundles are verified against this key, never one
                inside a bundle.
              </p>
              <pre>{k.publicKeyPem}</pre>
            </>
          )}
        </QueryView>
      </section>
      <InformationRequestsAdmin />
    </>
  );
}

function InformationRequestsAdmin() {
  const q = useQuery({
    queryKey: regulatorKeys.information,
    queryFn: async () => (await ok(api.GET('/api/v1/admin/information-requests'))).items,
  });
  return (
    <section className="card" aria-labelledby="info-requests-h">
      <h2 id="info-requests-h">Information requests to organisations</h2>
      <QueryView q={q} label="Loading information requests…">
        {(list) =>
          list.length === 0 ? (
            <Empty>No information requests sent.</Empty>
          ) : (
            <Table caption="Information requests" head={['Request', 'Organisation', 'Status', 'Answer']}>
              {list.map((r) => (
                <tr key={r.id}>
                  <td>
                    <strong>{r.subject}</strong>
                    <div className="muted small">
                      {when(r.createdAt)}
                      {r.dueAt ? ` · due ${when(r.dueAt)}` : ''}
                    </div>
                  </td>
                  <td>{r.orgId}</td>
                  <td>
                    <Badge status={r.status} />
                  </td>
                  <td>{r.answer ?? '—'}</td>
                </tr>
              ))}
            </Table>
          )
        }
      </QueryView>
      <h3>Ask an organisation</h3>
      <Form
        submitLabel="Send request"
        onSubmit={async (v, form) => {
          await ok(
            api.POST('/api/v1/admin/information-requests', {
              body: {
                orgId: String(v.orgId ?? '').trim(),
                subject: String(v.subject ?? ''),
                body: String(v.body ?? ''),
                ...(v.dueAt ? { dueAt: isoDay(v.dueAt) } : {}),
              },
            }),
          );
          form.reset();
          await q.refetch();
        }}
      >
        <Field name="orgId" label="Organisation id" required />
        <Field name="subject" label="Subject" required />
        <Field name="body" label="What you need to know" type="textarea" required />
        <Field name="dueAt" label="Answer by (UTC, optional)" type="date" />
      </Form>
    </section>
  );
}
