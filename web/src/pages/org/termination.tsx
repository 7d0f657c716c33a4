import { useQuery } from '@tanstack/react-query';
import { useParams } from 'react-router';
import { api, ok } from '../../api.ts';
import { OrgNav } from '../../components/org-nav.tsx';
import { ActionButton, Badge, Empty, Field, Form, Notice, Page, QueryView, when } from '../../components.tsx';
import { orgKeys, useOrg } from './queries.ts';

/** Ending the organisation's use of the platform by written notice. */

export function TerminationPage() {
  const { orgId = '' } = useParams();
  const org = useOrg(orgId);
  const q = useQuery({
    queryKey: orgKeys.termination(orgId),
    queryFn: () => ok(api.GET('/api/v1/orgs/{orgId}/termination', { params: { path: { orgId } } })),
  });
  const owner = org.data?.myRole === 'owner';
  const minDate = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
  return (
    <Page
      title="Termination"
      lead="You may stop using the platform at any time by giving written notice. On the notice date, credentials are revoked and access ends."
    >
      <OrgNav orgId={orgId} current="termination" />
      <QueryView q={q} label="Loading…">
        {(t) =>
          t.current && t.current.status !== 'withdrawn' ? (
            <div className="card">
              <Notice tone="warn" title="Notice of termination given">
                Access ends on {when(t.current.effectiveAt)}. Status: <Badge status={t.current.status} />
              </Notice>
              {owner && t.current.status === 'pending' ? (
                <ActionButton
                  onClick={async () => {
                    await ok(
                      api.POST('/api/v1/orgs/{orgId}/termination/withdraw', { params: { path: { orgId } } }),
                    );
                    await q.refetch();
                  }}
                >
                  Withdraw the notice
                </ActionButton>
              ) : null}
            </div>
          ) : owner ? (
            <div className="card narrow">
              <h2>Give notice of termination</h2>
              <Form
                danger
                submitLabel="Give notice"
                onSubmit={async (v) => {
                  if (
                    !window.confirm('Give written notice to terminate? Your apps stop working on the date.')
                  )
                    return;
                  const date = String(v.effectiveDate ?? '');
                  await ok(
                    api.POST('/api/v1/orgs/{orgId}/termination', {
                      params: { path: { orgId } },
                      body: {
                        effectiveAt: date ? new Date(`${date}T00:00:00Z`).toISOString() : undefined,
                        reason: String(v.reason ?? '').trim() || undefined,
                      },
                    }),
                  );
                  await q.refetch();
                }}
              >
                <Field
                  name="effectiveDate"
                  label="Date access ends"
                  type="date"
                  min={minDate}
                  aliases={['effectiveAt']}
                  hint="Not earlier than the notice period the terms require."
                />
                <Field name="reason" label="Reason (optional)" type="textarea" rows={3} />
              </Form>
            </div>
          ) : (
            <Empty>No notice of termination has been given. Only the owner can give notice.</Empty>
          )
        }
      </QueryView>
    </Page>
  );
}
