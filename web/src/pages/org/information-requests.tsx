import { useQuery } from '@tanstack/react-query';
import { useParams } from 'react-router';
import { api, ok } from '../../api.ts';
import { OrgNav } from '../../components/org-nav.tsx';
import { Badge, Empty, Field, Form, Notice, Page, QueryView, when } from '../../components.tsx';
import { useOrg } from './queries.ts';
import { canAdmin } from './roles.ts';

/**
 * The operator's information requests to the organisation (the terms oblige API users to give the
 * operator information it needs, e.g. to answer a regulator), answered in text by its owners and
 * admins; each is answered once.
 */
export function OrgInformationRequestsPage() {
  const { orgId = '' } = useParams();
  const org = useOrg(orgId);
  const admin = canAdmin(org.data);
  const q = useQuery({
    queryKey: ['org-information-requests', orgId],
    enabled: admin,
    queryFn: async () =>
      (await ok(api.GET('/api/v1/orgs/{orgId}/information-requests', { params: { path: { orgId } } }))).items,
  });
  return (
    <Page
      title="Information requests"
      lead="Questions the operator asks your organisation under the terms, and your answers."
    >
      <OrgNav orgId={orgId} current="information-requests" />
      {!org.data ? null : !admin ? (
        <Notice title="Admins only">
          Only your organisation's owners and admins see and answer these requests.
        </Notice>
      ) : (
        <QueryView q={q} label="Loading information requests…">
          {(list) =>
            list.length === 0 ? (
              <Empty>The operator has not asked your organisation for information.</Empty>
            ) : (
              list.map((r) => (
                <section key={r.id} className="card" aria-labelledby={`ir-${r.id}`}>
                  <h2 id={`ir-${r.id}`}>
                    {r.subject} <Badge status={r.status} />
                  </h2>
                  <p className="muted small">
                    Asked {when(r.createdAt)}
                    {r.dueAt ? ` · please answer by ${when(r.dueAt)}` : ''}
                  </p>
                  <p style={{ whiteSpace: 'pre-wrap' }}>{r.body}</p>
                  {r.status === 'answered' ? (
                    <>
                      <h3>Your answer ({r.answeredAt ? when(r.answeredAt) : ''})</h3>
                      <p style={{ whiteSpace: 'pre-wrap' }}>{r.answer}</p>
                    </>
                  ) : (
                    <Form
                      submitLabel="Send answer"
                      label={`Answer: ${r.subject}`}
                      onSubmit={async (v) => {
                        await ok(
                          api.POST(
                            '/api/v1/orgs/{orgId}/information-requests/{informationRequestId}/answer',
                            {
                              params: { path: { orgId, informationRequestId: r.id } },
                              body: { answer: String(v.answer ?? '').trim() },
                            },
                          ),
                        );
                        await q.refetch();
                      }}
                    >
                      <Field name="answer" label="Your answer" type="textarea" rows={6} required />
                    </Form>
                  )}
                </section>
              ))
            )
          }
        </QueryView>
      )}
    </Page>
  );
}
