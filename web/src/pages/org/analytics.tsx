import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Link, useParams, useSearchParams } from 'react-router';
import { api, ok } from '../../api.ts';
import { AnalyticsView } from '../../components/analytics.tsx';
import { AnalyticsError, useAnalyticsWindow, WindowPicker } from '../../components/analytics-controls.tsx';
import { OrgNav } from '../../components/org-nav.tsx';
import { Loading, Page } from '../../components.tsx';
import { appKeys } from '../apps/queries.ts';
import { orgKeys, useOrg } from './queries.ts';

/**
 * An organisation's traffic analytics (getOrganizationAnalytics), for its members of any role:
 * its calls by outcome, errors, declines by network code, latency, 429s and shed calls, its top
 * apps and operations, for the last hour, 24 hours, 7 or 30 days — and one of its apps (`?app=`).
 * The API answers 404 to anyone not a member, so the page never shows another organisation's data.
 */
const REFRESH_MS = 30_000;

export function OrgAnalyticsPage() {
  const { orgId = '' } = useParams();
  const [params] = useSearchParams();
  const appId = params.get('app') || undefined;
  const [span, setSpan] = useAnalyticsWindow();
  const org = useOrg(orgId);
  const apps = useQuery({
    queryKey: appKeys.list(orgId),
    queryFn: async () =>
      (await ok(api.GET('/api/v1/orgs/{orgId}/apps', { params: { path: { orgId } } }))).items,
  });
  const names = new Map((apps.data ?? []).map((a) => [a.id, a.name]));
  const q = useQuery({
    queryKey: orgKeys.analytics(orgId, span, appId ?? ''),
    queryFn: () =>
      ok(
        api.GET('/api/v1/orgs/{orgId}/analytics', {
          params: { path: { orgId }, query: { window: span, appId } },
        }),
      ),
    refetchInterval: REFRESH_MS,
    placeholderData: keepPreviousData,
  });
  const here = (app?: string) => {
    const p = new URLSearchParams({ window: span });
    if (app) p.set('app', app);
    return `/orgs/${orgId}/analytics?${p.toString()}`;
  };
  const appName = appId ? (names.get(appId) ?? appId) : undefined;
  const orgName = org.data?.name;
  return (
    <Page
      title={appName ? `Analytics of ${appName}` : orgName ? `Analytics of ${orgName}` : 'Analytics'}
      lead="Your organisation's calls through the gateway, by outcome. Updated every 30 seconds while open."
      actions={
        appId ? (
          <Link className="btn btn-secondary" to={here()}>
            All of the organisation's apps
          </Link>
        ) : undefined
      }
    >
      <OrgNav orgId={orgId} current="analytics" />
      <div className="section-head">
        <WindowPicker value={span} onChange={setSpan} />
        {appId ? (
          <Link to={`/orgs/${orgId}/apps/${appId}/usage`}>Request log and quotas of this app</Link>
        ) : null}
      </div>
      {q.isPending ? (
        <Loading label="Loading the analytics…" />
      ) : q.error ? (
        <AnalyticsError error={q.error} retry={() => void q.refetch()} />
      ) : (
        <AnalyticsView
          a={q.data}
          names={{ app: (id) => names.get(id) }}
          links={{ app: (_org, app) => here(app) }}
          emptyHint="Choose a longer window above, or call an API from its reference page (try it)."
        />
      )}
    </Page>
  );
}
