import { useQuery } from '@tanstack/react-query';
import { Link, useParams } from 'react-router';
import { api, ok } from '../api.ts';
import { Badge, Empty, Notice, Page, QueryView, Table, when } from '../components.tsx';

/**
 * Going live (issue 37): the certification suites, and an app's progress through them. Every case
 * is passed by the app's own sandbox calls as the gateway saw them — nothing here is ticked by
 * hand — and each passed case links to the request that proved it in the app's request log.
 */

export const conformanceKeys = {
  suites: ['conformance-suites'],
  progress: (orgId: string, appId: string) => ['conformance-progress', orgId, appId],
} as const;

type Progress = Awaited<ReturnType<typeof fetchProgress>>;

async function fetchProgress(orgId: string, appId: string, productSlug?: string) {
  return ok(
    api.GET('/api/v1/orgs/{orgId}/apps/{appId}/conformance', {
      params: { path: { orgId, appId }, query: productSlug ? { productSlug } : {} },
    }),
  );
}

/** The request log of the app, filtered to one request. */
function requestLogHref(orgId: string, appId: string, requestId: string): string {
  return `/orgs/${orgId}/apps/${appId}/usage?requestId=${encodeURIComponent(requestId)}#log-h`;
}

/** The app's page: each product's suite, case by case, passed (with its request) or still to do. */
export function ConformancePage() {
  const { orgId = '', appId = '' } = useParams();
  const progress = useQuery({
    queryKey: conformanceKeys.progress(orgId, appId),
    queryFn: () => fetchProgress(orgId, appId),
    refetchInterval: 5000,
  });
  const suites = useQuery({
    queryKey: conformanceKeys.suites,
    queryFn: async () => (await ok(api.GET('/api/v1/conformance/suites'))).items,
  });
  const described = new Map(
    (suites.data ?? []).flatMap((s) =>
      s.cases.map((c) => [`${s.productSlug}/${c.id}`, c.description] as const),
    ),
  );
  return (
    <Page
      title="Going live: conformance"
      lead="Before production, each product's certification suite must be passed by this app's own sandbox calls. Progress updates as you call the sandbox."
    >
      <p>
        <Link to={`/orgs/${orgId}/apps/${appId}`}>Back to the app</Link> ·{' '}
        <Link to="/conformance">All suites</Link>
      </p>
      <QueryView q={progress} label="Loading progress…">
        {(p) => <ProgressTables p={p} described={described} links />}
      </QueryView>
    </Page>
  );
}

function ProgressTables(props: { p: Progress; described?: Map<string, string>; links: boolean }) {
  const { p } = props;
  if (p.products.length === 0) return <Empty>No product has a conformance suite yet.</Empty>;
  return (
    <>
      {p.products.map((prod) => (
        <section key={prod.productSlug} aria-labelledby={`cf-${prod.productSlug}`}>
          <h2 id={`cf-${prod.productSlug}`}>
            {prod.productSlug}: {prod.passed} of {prod.total} passed{' '}
            <Badge status={prod.complete ? 'passed' : 'pending'} />
          </h2>
          {prod.total === 0 ? (
            <Notice tone="warn">This product has no active case: it cannot go to production yet.</Notice>
          ) : (
            <Table caption={`${prod.productSlug} certification cases`} head={['Case', 'Status', 'Proved by']}>
              {prod.cases.map((c) => (
                <tr key={c.caseId} data-case={c.caseId}>
                  <td>
                    <strong>{c.title}</strong>
                    {props.described?.get(`${prod.productSlug}/${c.caseId}`) ? (
                      <div className="muted small">
                        {props.described.get(`${prod.productSlug}/${c.caseId}`)}
                      </div>
                    ) : null}
                  </td>
                  <td>
                    <Badge status={c.passed ? 'passed' : 'pending'} />
                  </td>
                  <td className="mono small">
                    {c.requestId ? (
                      <>
                        {props.links ? (
                          <Link to={requestLogHref(p.orgId, p.appId, c.requestId)}>{c.requestId}</Link>
                        ) : (
                          c.requestId
                        )}
                        <div className="muted">
                          {when(c.provedAt)}
                          {c.earlierRequestId ? ` · after ${c.earlierRequestId}` : ''}
                        </div>
                      </>
                    ) : (
                      '—'
                    )}
                  </td>
                </tr>
              ))}
            </Table>
          )}
        </section>
      ))}
    </>
  );
}

/**
 * For the operator's production decision: which request proved each case of the app's suites (of
 * the requested product when the request names one).
 */
export function ConformanceEvidence(props: { orgId: string; appId: string; productSlug?: string | null }) {
  const product = props.productSlug ?? undefined;
  const q = useQuery({
    queryKey: [...conformanceKeys.progress(props.orgId, props.appId), product ?? '*'],
    queryFn: () => fetchProgress(props.orgId, props.appId, product),
  });
  return (
    <details className="conformance-evidence">
      <summary>
        Conformance evidence
        {q.data
          ? `: ${q.data.products.map((p) => `${p.productSlug} ${p.passed}/${p.total}`).join(', ')}`
          : ''}
      </summary>
      <QueryView q={q} label="Loading evidence…">
        {(p) => <ProgressTables p={p} links={false} />}
      </QueryView>
    </details>
  );
}

/** The published suites: what each product asks of an app before production. */
export function SuitesPage() {
  const q = useQuery({
    queryKey: conformanceKeys.suites,
    queryFn: async () => (await ok(api.GET('/api/v1/conformance/suites'))).items,
  });
  return (
    <Page
      title="Certification suites"
      lead="What an app must show in the sandbox, per product, before it can ask for production. Each case is recognised from the app's own calls."
    >
      <QueryView q={q} label="Loading suites…">
        {(suites) =>
          suites.map((s) => (
            <section key={s.productSlug} aria-labelledby={`suite-${s.productSlug}`} className="card">
              <h2 id={`suite-${s.productSlug}`}>
                {s.productSlug} <span className="muted small">version {s.version}</span>
              </h2>
              <ol>
                {s.cases
                  .filter((c) => !c.retired)
                  .map((c) => (
                    <li key={c.id}>
                      <strong>{c.title}</strong> <span className="muted small mono">({c.id})</span>
                      <div>{c.description}</div>
                      <div className="muted small">
                        {c.operations.join(' or ')} answered {c.networkCodes.join(' / ')}
                        {c.after
                          ? `, after ${c.after.operations.join(' or ')} answered ${c.after.networkCodes.join(' / ')} (${c.after.link.map((l) => `${l.field} = ${l.earlierField}`).join(', ')})`
                          : ''}
                      </div>
                    </li>
                  ))}
              </ol>
            </section>
          ))
        }
      </QueryView>
    </Page>
  );
}
