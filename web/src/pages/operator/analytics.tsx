import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Link, useSearchParams } from 'react-router';
import { api, ok } from '../../api.ts';
import { AnalyticsView } from '../../components/analytics.tsx';
import { AnalyticsError, useAnalyticsWindow, WindowPicker } from '../../components/analytics-controls.tsx';
import { Loading } from '../../components.tsx';
import { operatorKeys } from './queries.ts';
import { useOrgNames } from './shared.tsx';

/**
 * The operator's traffic analytics (issue 31): the whole gateway for the last hour, 24 hours, 7 or
 * 30 days, drilled down to one organisation (`?org=`) and then one of its apps (`&app=`) — the
 * operator's view of an app's outcomes and its declines by network code (issue 29). Where it is
 * lives in the address, so the Organisations and Apps screens link straight to a drill-down and a
 * reload keeps it. The CSV export is the same window and scope (exportOperatorAnalytics).
 */
const REFRESH_MS = 30_000;

function useAppNames(orgId: string | undefined) {
  const q = useQuery({
    queryKey: operatorKeys.analyticsApps(orgId ?? ''),
    queryFn: async () =>
      (await ok(api.GET('/api/v1/admin/apps', { params: { query: { orgId, limit: 500 } } }))).items,
    staleTime: 60_000,
  });
  return q.data ?? [];
}

function csvHref(span: string, orgId?: string, appId?: string): string {
  const q = new URLSearchParams({ window: span });
  if (orgId) q.set('orgId', orgId);
  if (orgId && appId) q.set('appId', appId);
  return `/api/v1/admin/analytics.csv?${q.toString()}`;
}

export function AnalyticsAdmin() {
  const [params] = useSearchParams();
  const [span, setSpan] = useAnalyticsWindow();
  const orgId = params.get('org') || undefined;
  const appId = (orgId && params.get('app')) || undefined;
  const orgNames = useOrgNames();
  const apps = useAppNames(orgId);
  const appNames = new Map(apps.map((a) => [a.id, a.name]));
  const q = useQuery({
    queryKey: operatorKeys.analytics(span, orgId ?? '', appId ?? ''),
    queryFn: () =>
      ok(api.GET('/api/v1/admin/analytics', { params: { query: { window: span, orgId, appId } } })),
    refetchInterval: REFRESH_MS,
    placeholderData: keepPreviousData,
  });
  const here = (org?: string, app?: string) => {
    const p = new URLSearchParams({ window: span });
    if (org) p.set('org', org);
    if (org && app) p.set('app', app);
    return `/operator/analytics?${p.toString()}`;
  };
  const orgName = orgId ? (orgNames.get(orgId) ?? orgId) : undefined;
  const appName = appId ? (appNames.get(appId) ?? appId) : undefined;
  const orgApps = orgId ? apps.filter((a) => a.orgId === orgId) : [];
  return (
    <section aria-labelledby="analytics-h">
      <div className="section-head">
        <h2 id="analytics-h">
          {appName
            ? `Traffic of ${appName}`
            : orgName
              ? `Traffic of ${orgName}`
              : 'Traffic of the whole gateway'}
        </h2>
        <a className="btn btn-secondary" href={csvHref(span, orgId, appId)} download>
          Export as CSV
        </a>
      </div>
      {orgId ? (
        <nav aria-label="Drill-down" className="breadcrumbs">
          <ol>
            <li>
              <Link to={here()}>Whole gateway</Link>
            </li>
            <li>
              {appId ? <Link to={here(orgId)}>{orgName}</Link> : <span aria-current="page">{orgName}</span>}
            </li>
            {appId ? (
              <li>
                <span aria-current="page">{appName}</span>
              </li>
            ) : null}
          </ol>
        </nav>
      ) : null}
      <div className="section-head">
        <WindowPicker value={span} onChange={setSpan} />
        {orgId && !appId && orgApps.length ? (
          <p className="links">
            <span className="muted">Its apps:</span>
            {orgApps.map((a) => (
              <Link key={a.id} to={here(orgId, a.id)}>
                {a.name}
              </Link>
            ))}
          </p>
        ) : null}
      </div>
      {q.isPending ? (
        <Loading label="Loading the analytics…" />
      ) : q.error ? (
        <AnalyticsError error={q.error} retry={() => void q.refetch()} />
      ) : (
        <AnalyticsView
          a={q.data}
          names={{ org: (id) => orgNames.get(id), app: (id) => appNames.get(id) }}
          links={{ org: (id) => here(id), app: (org, app) => here(org, app) }}
          emptyHint={
            orgId
              ? 'Choose a longer window above, or go back to the whole gateway.'
              : 'Choose a longer window above. Calls through the gateway appear here within seconds.'
          }
        />
      )}
    </section>
  );
}
