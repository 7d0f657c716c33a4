import type { ReactNode } from 'react';
import { Link } from 'react-router';
import type { Analytics } from '../api/views.ts';
import { Chart } from '../chart.tsx';
import { Empty, Table, when } from '../components.tsx';
import { WINDOW_LABEL } from './analytics-controls.tsx';

/**
 * One window of traffic analytics (getOperatorAnalytics / getOrganizationAnalytics: one shape), as
 * the operator's and an organisation's pages show it: the totals (calls, the three outcomes, p50 /
 * p99 latency, 429s and shed calls, distinct end users), two charts over time, each with its text
 * table, and the tables behind them — errors by HTTP status, declines and calls by network code,
 * operations, top organisations and apps. Every number is the API's, unchanged; names and links
 * come from the page (`names`, `links`), which knows who may drill down where.
 */
type Counts = Analytics['totals'];
type Point = Analytics['series'][number];

export type AnalyticsNames = {
  org?: (orgId: string) => string | undefined;
  app?: (appId: string) => string | undefined;
};
export type AnalyticsLinks = {
  org?: (orgId: string) => string;
  app?: (orgId: string, appId: string) => string;
};

const STEP: Record<Analytics['window'], number> = {
  '1h': 60_000,
  '24h': 3_600_000,
  '7d': 3_600_000,
  '30d': 86_400_000,
};
const PER: Record<Analytics['window'], string> = {
  '1h': 'minute',
  '24h': 'hour',
  '7d': 'hour',
  '30d': 'day',
};

const n = (x: number) => x.toLocaleString('en');
const ms = (x: number | null) => (x === null ? '—' : `${x < 10 ? x.toFixed(1) : Math.round(x)} ms`);

/** Every bucket of the window with zeros where there was no traffic, so the time axis is honest. */
function fillSeries(a: Analytics): Point[] {
  const step = STEP[a.window];
  const byBucket = new Map(a.series.map((p) => [Math.floor(Date.parse(p.t) / step), p]));
  const first = Math.floor(Date.parse(a.from) / step);
  const last = Math.floor((Date.parse(a.to) - 1) / step);
  if (!Number.isFinite(first) || !Number.isFinite(last) || last - first > 1000) return a.series;
  const out: Point[] = [];
  for (let b = first; b <= last; b++) {
    const t = new Date(b * step).toISOString();
    out.push(byBucket.get(b) ?? { t, calls: 0, approved: 0, declined: 0, failed: 0, http429: 0, shed: 0 });
  }
  return out;
}

/** A bucket's label in UTC: the minute or hour of the day, the day and hour, or the day. */
function label(t: string, window: Analytics['window']): string {
  const iso = new Date(t).toISOString();
  if (window === '1h' || window === '24h') return iso.slice(11, 16);
  if (window === '7d') return `${iso.slice(5, 10)} ${iso.slice(11, 13)}h`;
  return iso.slice(5, 10);
}

function Stat(props: { id: string; value: string; label: string }) {
  return (
    <div className="stat" data-testid={`stat-${props.id}`}>
      <span className="stat-value">{props.value}</span>
      <span className="stat-label">{props.label}</span>
    </div>
  );
}

function Totals(props: { t: Counts }) {
  const t = props.t;
  return (
    <div className="stats">
      <Stat id="calls" value={n(t.calls)} label="calls" />
      <Stat id="approved" value={n(t.approved)} label="approved" />
      <Stat id="declined" value={n(t.declined)} label="declined by the network" />
      <Stat id="failed" value={n(t.failed)} label="failed" />
      <Stat id="p50" value={ms(t.p50Ms)} label="p50 latency" />
      <Stat id="p99" value={ms(t.p99Ms)} label="p99 latency" />
      <Stat id="http429" value={n(t.http429)} label="refused with 429 (limits)" />
      <Stat id="shed" value={n(t.shed)} label="shed under congestion" />
      <Stat id="end-users" value={n(t.distinctEndUsers)} label="distinct end users (estimate)" />
    </div>
  );
}

function Charts(props: { a: Analytics }) {
  const points = fillSeries(props.a);
  const labels = points.map((p) => label(p.t, props.a.window));
  const per = PER[props.a.window];
  return (
    <div className="grid-2">
      <Chart
        title={`Calls by outcome, per ${per} (UTC)`}
        labels={labels}
        series={[
          { name: 'Approved', values: points.map((p) => p.approved), color: '#0b6e4f', kind: 'bar' },
          { name: 'Declined', values: points.map((p) => p.declined), color: '#b54708', kind: 'bar' },
          { name: 'Failed', values: points.map((p) => p.failed), color: '#b42318', kind: 'bar' },
        ]}
      />
      <Chart
        title={`Refused calls, per ${per} (UTC)`}
        labels={labels}
        series={[
          { name: '429 (limits)', values: points.map((p) => p.http429), color: '#6d28d9' },
          { name: 'Shed', values: points.map((p) => p.shed), color: '#1d4ed8' },
        ]}
      />
    </div>
  );
}

/** The outcome columns every breakdown table repeats. */
function OutcomeCells(props: { c: Omit<Counts, 'p50Ms' | 'p99Ms' | 'avgMs' | 'distinctEndUsers'> }) {
  const c = props.c;
  return (
    <>
      <td>{n(c.calls)}</td>
      <td>{n(c.approved)}</td>
      <td>{n(c.declined)}</td>
      <td>{n(c.failed)}</td>
      <td>{n(c.http429)}</td>
    </>
  );
}
const OUTCOME_HEAD = ['Calls', 'Approved', 'Declined', 'Failed', '429'];

function Breakdowns(props: { a: Analytics; names: AnalyticsNames; links: AnalyticsLinks }) {
  const { a, names, links } = props;
  const declines = a.byNetworkCode.filter((c) => c.declined > 0);
  const named = (name: string | undefined, id: string, href: string | undefined): ReactNode => (
    <>
      {href ? <Link to={href}>{name ?? id}</Link> : (name ?? id)}
      {name ? <div className="muted small mono">{id}</div> : null}
    </>
  );
  return (
    <>
      <div className="grid-2">
        {a.byStatus.length ? (
          <Table caption="Errors by HTTP status" head={['HTTP status', 'Calls']}>
            {a.byStatus.map((s) => (
              <tr key={s.status}>
                <td className="mono">{s.status}</td>
                <td>{n(s.calls)}</td>
              </tr>
            ))}
          </Table>
        ) : (
          <Empty>No call failed with an HTTP error.</Empty>
        )}
        {declines.length ? (
          <Table caption="Declines by network code" head={['Network code', 'Declined']}>
            {declines.map((c) => (
              <tr key={c.networkCode}>
                <td className="mono">{c.networkCode}</td>
                <td>{n(c.declined)}</td>
              </tr>
            ))}
          </Table>
        ) : (
          <Empty>The network declined no call.</Empty>
        )}
      </div>
      {a.byNetworkCode.length ? (
        <Table caption="Calls by network response code" head={['Network code', ...OUTCOME_HEAD]}>
          {a.byNetworkCode.map((c) => (
            <tr key={c.networkCode}>
              <td className="mono">{c.networkCode}</td>
              <OutcomeCells c={c} />
            </tr>
          ))}
        </Table>
      ) : null}
      <Table caption="Operations" head={['Operation', ...OUTCOME_HEAD, 'p50', 'p99']}>
        {a.byOperation.map((o) => (
          <tr key={o.operationId}>
            <td className="mono">{o.operationId}</td>
            <OutcomeCells c={o} />
            <td className="nowrap">{ms(o.p50Ms)}</td>
            <td className="nowrap">{ms(o.p99Ms)}</td>
          </tr>
        ))}
      </Table>
      {a.topOrganizations.length ? (
        <Table caption="Top organisations" head={['Organisation', ...OUTCOME_HEAD]}>
          {a.topOrganizations.map((o) => (
            <tr key={o.orgId}>
              <td>{named(names.org?.(o.orgId), o.orgId, links.org?.(o.orgId))}</td>
              <OutcomeCells c={o} />
            </tr>
          ))}
        </Table>
      ) : null}
      {a.topApps.length ? (
        <Table caption="Top apps" head={['App', ...OUTCOME_HEAD]}>
          {a.topApps.map((o) => (
            <tr key={`${o.orgId}/${o.appId}`}>
              <td>
                {named(names.app?.(o.appId), o.appId, links.app?.(o.orgId, o.appId))}
                {a.orgId === null ? (
                  <div className="muted small">of {names.org?.(o.orgId) ?? o.orgId}</div>
                ) : null}
              </td>
              <OutcomeCells c={o} />
            </tr>
          ))}
        </Table>
      ) : null}
    </>
  );
}

export function AnalyticsView(props: {
  a: Analytics;
  names?: AnalyticsNames;
  links?: AnalyticsLinks;
  /** What to suggest when the window had no calls. */
  emptyHint?: string;
}) {
  const a = props.a;
  const t = a.totals;
  if (t.calls === 0) {
    return (
      <Empty>
        <p data-testid="analytics-empty">No calls in the {WINDOW_LABEL[a.window]}.</p>
        <p>{props.emptyHint ?? 'Choose a longer window above.'}</p>
      </Empty>
    );
  }
  return (
    <>
      <Totals t={t} />
      <p className="muted small" data-testid="analytics-summary">
        {n(t.approved)} approved · {n(t.declined)} declined · {n(t.failed)} failed, from {when(a.from)} to{' '}
        {when(a.to)}. Declined: the network answered with a code that is not an approval (e.g. 55, 10);
        failed: HTTP 400 or above, or a network time-out. Counts are exact; latency percentiles are within a
        factor 1.16, end users an estimate within about 2 %.
      </p>
      <Charts a={a} />
      <Breakdowns a={a} names={props.names ?? {}} links={props.links ?? {}} />
    </>
  );
}
