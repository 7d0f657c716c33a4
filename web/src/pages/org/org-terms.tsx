import { useQuery } from '@tanstack/react-query';
import { useParams } from 'react-router';
import { api, ok } from '../../api.ts';
import { OrgNav } from '../../components/org-nav.tsx';
import { ActionButton, Badge, Empty, Notice, Page, QueryView, Table, when } from '../../components.tsx';
import { termsKeys } from '../terms/queries.ts';
import { orgKeys, useOrg } from './queries.ts';
import { canAdmin } from './roles.ts';

/** The organisation's terms: what is in force, what is pending, and its acceptance history. */

export function OrgTermsPage() {
  const { orgId = '' } = useParams();
  const org = useOrg(orgId);
  const admin = canAdmin(org.data);
  const docs = useQuery({
    queryKey: termsKeys.documents,
    queryFn: async () => (await ok(api.GET('/api/v1/terms/documents'))).items,
  });
  const history = useQuery({
    queryKey: orgKeys.termsHistory(orgId),
    queryFn: () => ok(api.GET('/api/v1/terms/acceptances', { params: { query: { orgId } } })),
  });
  const decide = async (versionId: string, action: 'accept' | 'decline') => {
    const init = { params: { path: { versionId } }, body: { onBehalfOf: 'organization' as const, orgId } };
    if (action === 'accept') await ok(api.POST('/api/v1/terms/versions/{versionId}/accept', init));
    else await ok(api.POST('/api/v1/terms/versions/{versionId}/decline', init));
    await history.refetch();
  };
  const standing = new Map((history.data?.versions ?? []).map((v) => [v.versionId, v.standing]));
  return (
    <Page
      title="Terms"
      lead={org.data ? `Terms accepted by ${org.data.name}, and changes waiting for an answer.` : undefined}
    >
      <OrgNav orgId={orgId} current="terms" />
      {!admin && org.data ? (
        <Notice>Only owners and admins can accept or decline terms for the organisation.</Notice>
      ) : null}
      <h2>Versions in force and coming</h2>
      <QueryView q={docs} label="Loading terms…">
        {(list) =>
          list.length === 0 ? (
            <Empty>No terms documents.</Empty>
          ) : (
            <Table
              caption="Terms versions"
              head={['Document', 'Version', 'Effective', 'Your organisation', '']}
              hideCaption
            >
              {list.flatMap((d) =>
                [d.inForce, ...(d.pending ?? [])]
                  .filter((v): v is NonNullable<typeof v> => !!v)
                  .map((v) => {
                    const st = standing.get(v.id) ?? 'no_response';
                    const pending = v !== d.inForce;
                    return (
                      <tr key={v.id}>
                        <th scope="row">
                          {d.title}
                          {d.productSlug ? <div className="muted small">for {d.productSlug}</div> : null}
                        </th>
                        <td>
                          v{v.version} {pending ? <Badge status="scheduled" /> : null}
                          {v.summary ? <div className="muted small">{v.summary}</div> : null}
                        </td>
                        <td>{when(v.effectiveAt)}</td>
                        <td>
                          <Badge status={st === 'no_response' ? 'pending' : st} />
                        </td>
                        <td className="row-actions">
                          {admin && st !== 'accepted' ? (
                            <ActionButton
                              variant="primary"
                              label={`Accept ${d.title} version ${v.version}`}
                              onClick={() => decide(v.id, 'accept')}
                            >
                              Accept
                            </ActionButton>
                          ) : null}
                          {admin && pending && st !== 'declined' ? (
                            <ActionButton
                              variant="danger"
                              label={`Decline ${d.title} version ${v.version}`}
                              confirm="Declining means the organisation's apps stop working when this version takes effect. Decline?"
                              onClick={() => decide(v.id, 'decline')}
                            >
                              Decline
                            </ActionButton>
                          ) : null}
                        </td>
                      </tr>
                    );
                  }),
              )}
            </Table>
          )
        }
      </QueryView>
      <div className="section-head">
        <h2>Acceptance record</h2>
        <p className="links">
          <a href={`/api/v1/terms/acceptances/export?orgId=${encodeURIComponent(orgId)}&format=csv`} download>
            Export as CSV
          </a>
          <a
            href={`/api/v1/terms/acceptances/export?orgId=${encodeURIComponent(orgId)}&format=json`}
            download
          >
            Export as JSON
          </a>
        </p>
      </div>
      <QueryView q={history} label="Loading the record…">
        {(h) => (
          <>
            <p>
              Terms became effective for the organisation at its first API call:{' '}
              <strong>{h.firstAccessAt ? when(h.firstAccessAt) : 'no API call yet'}</strong>.
            </p>
            {h.records.length === 0 ? (
              <Empty>No acceptances recorded yet.</Empty>
            ) : (
              <Table caption="Acceptance records" head={['When', 'Document', 'Decision', 'How']} hideCaption>
                {h.records.map((r) => (
                  <tr key={r.id}>
                    <td>{when(r.at)}</td>
                    <td>
                      {r.documentTitle} v{r.version}
                    </td>
                    <td>
                      <Badge status={r.decision} />
                    </td>
                    <td>{r.method === 'continued_use' ? 'by continued use' : r.method.replace(/_/g, ' ')}</td>
                  </tr>
                ))}
              </Table>
            )}
          </>
        )}
      </QueryView>
    </Page>
  );
}
