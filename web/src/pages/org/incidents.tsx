import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useParams, useSearchParams } from 'react-router';
import { api, ok } from '../../api.ts';
import { EnforcementNotices, IncidentEvidence } from '../../components/enforcement.tsx';
import { OrgNav } from '../../components/org-nav.tsx';
import { Badge, Empty, Field, Form, Notice, Page, QueryView, Table, when } from '../../components.tsx';
import { orgKeys, useOrg } from './queries.ts';
import { canAdmin } from './roles.ts';

/**
 * Incidents about the organisation, its apps and its people, for its owners and admins: the
 * evidence the operator holds, the actions taken, and a thread to reply in.
 */
export function OrgIncidentsPage() {
  const { orgId = '' } = useParams();
  const org = useOrg(orgId);
  const [search, setSearch] = useSearchParams();
  const open = search.get('incident');
  const admin = canAdmin(org.data);
  const q = useQuery({
    queryKey: orgKeys.incidents(orgId),
    enabled: admin,
    queryFn: () =>
      ok(api.GET('/api/v1/orgs/{orgId}/incidents', { params: { path: { orgId }, query: { limit: 100 } } })),
  });
  return (
    <Page
      title="Incidents and enforcement"
      lead="What the operator has recorded about your organisation, and what it did."
    >
      <OrgNav orgId={orgId} current="incidents" />
      <EnforcementNotices orgId={orgId} />
      {!org.data ? null : !admin ? (
        <Notice title="Admins only">Only your organisation's owners and admins see its incidents.</Notice>
      ) : (
        <QueryView q={q} label="Loading incidents…">
          {(page) =>
            page.items.length === 0 ? (
              <Empty>No incidents about your organisation.</Empty>
            ) : (
              <Table caption="Incidents" head={['Incident', 'Severity', 'Count', 'Status', '']}>
                {page.items.map((i) => (
                  <tr key={i.id}>
                    <td>
                      <strong>{i.title}</strong>
                      <div className="muted small">
                        {i.subject.kind} {i.subject.id} · {when(i.createdAt)}
                      </div>
                    </td>
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
                        onClick={() => setSearch(open === i.id ? {} : { incident: i.id })}
                      >
                        {open === i.id ? 'Close' : 'Open'}
                      </button>
                    </td>
                  </tr>
                ))}
              </Table>
            )
          }
        </QueryView>
      )}
      {admin && open ? <IncidentThread orgId={orgId} id={open} /> : null}
    </Page>
  );
}

function IncidentThread(props: { orgId: string; id: string }) {
  const qc = useQueryClient();
  const key = orgKeys.incident(props.orgId, props.id);
  const q = useQuery({
    queryKey: key,
    queryFn: () =>
      ok(
        api.GET('/api/v1/orgs/{orgId}/incidents/{incidentId}', {
          params: { path: { orgId: props.orgId, incidentId: props.id } },
        }),
      ),
  });
  return (
    <QueryView q={q} label="Loading the incident…">
      {(d) => (
        <section className="card" aria-labelledby="org-incident-h">
          <h2 id="org-incident-h">
            {d.incident.title} <Badge status={d.incident.status} />
          </h2>
          <IncidentEvidence detail={d} />
          <h3>Reply to the operator</h3>
          <Form
            submitLabel="Send reply"
            onSubmit={async (v, form) => {
              await ok(
                api.POST('/api/v1/orgs/{orgId}/incidents/{incidentId}/replies', {
                  params: { path: { orgId: props.orgId, incidentId: props.id } },
                  body: { body: String(v.body ?? '').trim() },
                }),
              );
              form.reset();
              await qc.invalidateQueries({ queryKey: key });
            }}
          >
            <Field name="body" label="Your reply" type="textarea" required />
          </Form>
        </section>
      )}
    </QueryView>
  );
}
