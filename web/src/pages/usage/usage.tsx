import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import type { UsageSeries } from '../../api/views.ts';
import { api, ok } from '../../api.ts';
import { Chart, Meter } from '../../chart.tsx';
import { OrgNav } from '../../components/org-nav.tsx';
import { Badge, Empty, Notice, Page, QueryView, Table, when } from '../../components.tsx';
import { oneOfOrNone } from '../../form-values.ts';
import { appKeys } from '../apps/queries.ts';
import { usageKeys } from './queries.ts';

const PERIOD: Record<number, string> = {
  1000: 'second',
  60000: 'minute',
  3600000: 'hour',
  86400000: 'day',
  604800000: 'week',
};

const REFRESH_MS = 5000;

type Point = UsageSeries['points'][number];

/** Every bucket of the range, with zeros where there was no traffic, so the time axis is honest. */
function fillBuckets(s: UsageSeries): Point[] {
  const step = s.bucket === 'day' ? 86_400_000 : 3_600_000;
  const byBucket = new Map(s.points.map((p) => [Math.floor(Date.parse(p.t) / step), p]));
  const first = Math.floor(Date.parse(s.from) / step);
  const last = Math.floor(Date.parse(s.to) / step);
  if (!Number.isFinite(first) || !Number.isFinite(last) || last - first > 1000) return s.points;
  const out: Point[] = [];
  for (let b = first + 1; b <= last; b++) {
    out.push(
      byBucket.get(b) ?? {
        t: new Date(b * step).toISOString(),
        calls: 0,
        approved: 0,
        declined: 0,
        failed: 0,
        errors: 0,
        avgLatencyMs: 0,
      },
    );
  }
  return out;
}

export function UsagePage() {
  const { orgId = '', appId = '' } = useParams();
  const [range, setRange] = useState<'hour' | 'day'>('hour');
  const app = useQuery({
    queryKey: appKeys.one(orgId, appId),
    queryFn: () => ok(api.GET('/api/v1/orgs/{orgId}/apps/{appId}', { params: { path: { orgId, appId } } })),
  });
  const usage = useQuery({
    queryKey: usageKeys.usage(orgId, appId),
    queryFn: () =>
      ok(api.GET('/api/v1/orgs/{orgId}/apps/{appId}/usage', { params: { path: { orgId, appId } } })),
    refetchInterval: REFRESH_MS,
  });
  const series = useQuery({
    queryKey: usageKeys.timeseries(orgId, appId, range),
    queryFn: () =>
      ok(
        api.GET('/api/v1/orgs/{orgId}/usage/timeseries', {
          params: { path: { orgId }, query: { appId, bucket: range } },
        }),
      ),
    refetchInterval: REFRESH_MS,
    placeholderData: keepPreviousData,
  });
  return (
    <Page
      title={app.data ? `Usage of ${app.data.name}` : 'Usage'}
      lead="Updated every few seconds while this page is open."
      actions={
        <Link className="btn btn-secondary" to={`/orgs/${orgId}/apps/${appId}`}>
          Back to the app
        </Link>
      }
    >
      <OrgNav orgId={orgId} current="apps" />
      <QueryView q={usage} label="Loading usage…">
        {(u) => (
          <>
            <div className="stats">
              <div className="stat">
                <span className="stat-value">{u.calls.toLocaleString('en')}</span>
                <span className="stat-label">calls</span>
              </div>
              <div className="stat">
                <span className="stat-value">{u.approved.toLocaleString('en')}</span>
                <span className="stat-label">approved</span>
              </div>
              <div className="stat">
                <span className="stat-value">{u.declined.toLocaleString('en')}</span>
                <span className="stat-label">declined by the network</span>
              </div>
              <div className="stat">
                <span className="stat-value">{u.failed.toLocaleString('en')}</span>
                <span className="stat-label">failed</span>
              </div>
              <div className="stat">
                <span className="stat-value">{u.distinctEndUsers.toLocaleString('en')}</span>
                <span className="stat-label">end users served</span>
              </div>
            </div>
            <p className="muted small" data-testid="outcome-summary">
              {outcomeSummary(u)}. From {when(u.from)} to {when(u.to)}. Declined: the network answered with a
              code that is not an approval (e.g. 55, 10); failed: HTTP 400 or above, or a network time-out.
            </p>
            {u.declines.length ? (
              <Table caption="Declines by network code" head={['Operation', 'Network code', 'Calls']}>
                {u.declines.map((d) => (
                  <tr key={`${d.operationId}|${d.networkCode}`}>
                    <td className="mono">{d.operationId}</td>
                    <td className="mono">{d.networkCode ?? '—'}</td>
                    <td>{d.calls.toLocaleString('en')}</td>
                  </tr>
                ))}
              </Table>
            ) : null}
            {u.subscriptions.length === 0 ? (
              <Notice>The app has no subscriptions, so no limits apply yet.</Notice>
            ) : (
              <div className="grid-2">
                {u.subscriptions.map((s) => (
                  <div key={s.subscriptionId} className="card">
                    <h2 className="h3">
                      {s.productSlug} — {s.planName} <Badge status={s.status} />
                    </h2>
                    {s.quotas.map((q) => (
                      <Meter
                        key={q.period}
                        label={`Quota this ${q.period}`}
                        used={q.used}
                        limit={q.limit}
                        detail={`${q.remaining.toLocaleString('en')} left; resets ${when(q.resetsAt)}`}
                      />
                    ))}
                    {s.endUsers ? (
                      <Meter
                        label={`End users this ${s.endUsers.period}`}
                        used={s.endUsers.served}
                        limit={s.endUsers.limit}
                        detail={`${s.endUsers.remaining.toLocaleString('en')} more can be served`}
                      />
                    ) : null}
                    {s.rateLimits.length ? (
                      <p className="small">
                        Rate limits:{' '}
                        {s.rateLimits
                          .map(
                            (r) =>
                              `${r.limit.toLocaleString('en')} per ${PERIOD[r.periodMs] ?? `${r.periodMs} ms`}`,
                          )
                          .join(', ')}
                      </p>
                    ) : null}
                    {s.quotas.length === 0 && !s.endUsers ? (
                      <p className="muted small">No quota on this plan.</p>
                    ) : null}
                  </div>
                ))}
              </div>
            )}
            {u.operations.length ? (
              <Table
                caption="Calls per operation"
                head={[
                  'Operation',
                  'Calls',
                  'Approved',
                  'Declined',
                  'Failed',
                  'Average latency',
                  'Max latency',
                ]}
              >
                {u.operations.map((o) => (
                  <tr key={o.operationId}>
                    <td className="mono">{o.operationId}</td>
                    <td>{o.calls.toLocaleString('en')}</td>
                    <td>{o.approved.toLocaleString('en')}</td>
                    <td>{o.declined.toLocaleString('en')}</td>
                    <td>{o.failed.toLocaleString('en')}</td>
                    <td>{Math.round(o.avgLatencyMs)} ms</td>
                    <td>{Math.round(o.maxLatencyMs)} ms</td>
                  </tr>
                ))}
              </Table>
            ) : null}
          </>
        )}
      </QueryView>
      <section aria-labelledby="over-time">
        <div className="section-head">
          <h2 id="over-time">Over time</h2>
          <fieldset className="segmented">
            <legend className="visually-hidden">Time range</legend>
            <label>
              <input type="radio" name="range" checked={range === 'hour'} onChange={() => setRange('hour')} />{' '}
              Last 24 hours
            </label>
            <label>
              <input type="radio" name="range" checked={range === 'day'} onChange={() => setRange('day')} />{' '}
              Last 30 days
            </label>
          </fieldset>
        </div>
        <QueryView q={series} label="Loading charts…">
          {(s) => {
            const points = fillBuckets(s);
            const labels = points.map((p) =>
              s.bucket === 'hour'
                ? new Date(p.t).toISOString().slice(11, 16)
                : new Date(p.t).toISOString().slice(5, 10),
            );
            return s.points.length === 0 ? (
              <Empty>No calls in this period yet. Try an API from the reference page.</Empty>
            ) : (
              <div className="grid-2">
                <Chart
                  title="Calls by outcome"
                  labels={labels}
                  series={[
                    {
                      name: 'Approved',
                      values: points.map((p) => p.approved),
                      color: '#0b6e4f',
                      kind: 'bar',
                    },
                    {
                      name: 'Declined',
                      values: points.map((p) => p.declined),
                      color: '#b54708',
                      kind: 'bar',
                    },
                    { name: 'Failed', values: points.map((p) => p.failed), color: '#b42318', kind: 'bar' },
                  ]}
                />
                <Chart
                  title="Average latency"
                  unit=" ms"
                  labels={labels}
                  series={[
                    {
                      name: 'Latency (ms)',
                      values: points.map((p) => (p.calls ? Math.round(p.avgLatencyMs) : null)),
                      color: '#1d4ed8',
                    },
                  ]}
                />
              </div>
            );
          }}
        </QueryView>
      </section>
      <RequestLog orgId={orgId} appId={appId} />
    </Page>
  );
}

function RequestLog(props: { orgId: string; appId: string }) {
  // `?requestId=` (a conformance case's proving request, linked from the conformance page).
  const [search] = useSearchParams();
  const requestId = search.get('requestId') ?? undefined;
  const [filters, setFilters] = useState<{ q: string; outcome: string; operationId: string }>({
    q: '',
    outcome: '',
    operationId: '',
  });
  const logs = useQuery({
    queryKey: [...usageKeys.logs(props.orgId, props.appId, filters), requestId ?? ''],
    queryFn: async () =>
      (
        await ok(
          api.GET('/api/v1/orgs/{orgId}/request-logs', {
            params: {
              path: { orgId: props.orgId },
              query: {
                appId: props.appId,
                requestId,
                limit: 50,
                q: filters.q,
                operationId: filters.operationId,
                outcome: oneOfOrNone(filters.outcome, ['approved', 'declined', 'failed']),
              },
            },
          }),
        )
      ).items,
    refetchInterval: REFRESH_MS,
    placeholderData: keepPreviousData,
  });
  return (
    <section aria-labelledby="log-h">
      <h2 id="log-h">Request log</h2>
      <form
        className="toolbar"
        aria-label="Search the request log"
        onSubmit={(e) => {
          e.preventDefault();
          const fd = new FormData(e.currentTarget);
          setFilters({
            q: String(fd.get('q') ?? ''),
            outcome: String(fd.get('outcome') ?? ''),
            operationId: String(fd.get('operationId') ?? ''),
          });
        }}
      >
        <div>
          <label htmlFor="log-q">Search</label>
          <input id="log-q" name="q" type="search" placeholder="request id, path, code…" />
        </div>
        <div>
          <label htmlFor="log-op">Operation</label>
          <input id="log-op" name="operationId" placeholder="e.g. ibftTitleFetch" />
        </div>
        <div>
          <label htmlFor="log-status">Outcome</label>
          <select id="log-status" name="outcome">
            <option value="">All</option>
            <option value="approved">Approved</option>
            <option value="declined">Declined</option>
            <option value="failed">Failed</option>
          </select>
        </div>
        <button type="submit" className="btn btn-secondary">
          Search
        </button>
      </form>
      <QueryView q={logs} label="Loading the log…">
        {(list) =>
          list.length === 0 ? (
            <Empty>No requests match.</Empty>
          ) : (
            <Table
              caption="Requests, newest first"
              head={['Time', 'Request', 'Outcome', 'Network code', 'Latency', 'Details']}
              hideCaption
            >
              {list.map((l) => (
                <tr key={l.id}>
                  <td className="nowrap">{when(l.at)}</td>
                  <td>
                    <span className={`method method-${l.method.toLowerCase()}`}>{l.method}</span>{' '}
                    <span className="mono">{l.path}</span>
                    <div className="muted small mono">{l.requestId}</div>
                  </td>
                  <td>
                    {/* The outcome, then the HTTP status (and the gateway's code) it came with. */}
                    <span className={l.outcome === 'approved' ? 'status-ok' : 'status-bad'}>{l.outcome}</span>
                    <div className="muted small">
                      HTTP {l.status}
                      {l.errorCode ? ` · ${l.errorCode}` : ''}
                    </div>
                  </td>
                  <td className="mono">{l.networkCode ?? '—'}</td>
                  <td>{Math.round(l.latencyMs)} ms</td>
                  <td>
                    {l.droppedReason ? (
                      <span className="muted small" title={l.droppedReason}>
                        Bodies not stored
                      </span>
                    ) : l.requestBody === null && l.responseBody === null ? (
                      <span
                        className="muted small"
                        title="Every error's bodies are kept; of successful calls, at most 10 per app per second."
                      >
                        Bodies not kept
                      </span>
                    ) : (
                      <details>
                        <summary>Bodies</summary>
                        <p className="muted small">Sensitive fields are masked.</p>
                        <pre className="json small">
                          {JSON.stringify({ request: l.requestBody, response: l.responseBody }, null, 2)}
                        </pre>
                      </details>
                    )}
                  </td>
                </tr>
              ))}
            </Table>
          )
        }
      </QueryView>
    </section>
  );
}

/** "12 approved · 3 declined · 1 failed" (and nothing hides a decline behind a success). */
function outcomeSummary(u: { approved: number; declined: number; failed: number }): string {
  const n = (x: number) => x.toLocaleString('en');
  return `${n(u.approved)} approved · ${n(u.declined)} declined · ${n(u.failed)} failed`;
}
