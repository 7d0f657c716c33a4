/**
 * A small hand-made SVG chart (line or bars) with accessible text: the SVG has a title and
 * description, and a visually hidden table carries the same numbers for screen readers.
 */
/** `null` is a gap (no data in that bucket), drawn as a break in a line. */
export type Series = { name: string; values: Array<number | null>; color: string; kind?: 'line' | 'bar' };

export function Chart(props: {
  title: string;
  labels: string[];
  series: Series[];
  unit?: string;
  height?: number;
}) {
  const w = 640;
  const h = props.height ?? 200;
  const pad = { l: 44, r: 12, t: 12, b: 28 };
  const n = props.labels.length;
  const max = Math.max(1, ...props.series.flatMap((s) => s.values.map((v) => v ?? 0)));
  const niceMax = nice(max);
  const x = (i: number) => pad.l + (n <= 1 ? (w - pad.l - pad.r) / 2 : (i * (w - pad.l - pad.r)) / (n - 1));
  const y = (v: number) => h - pad.b - (v / niceMax) * (h - pad.t - pad.b);
  const bw = Math.min(36, Math.max(2, ((w - pad.l - pad.r) / Math.max(1, n)) * 0.6));
  const ticks = [0, niceMax / 2, niceMax];
  const step = Math.max(1, Math.ceil(n / 6));
  const id = props.title.replace(/\W+/g, '-').toLowerCase();
  return (
    <figure className="chart">
      <figcaption>
        {props.title}
        <span className="legend">
          {props.series.map((s) => (
            <span key={s.name}>
              <span className="swatch" style={{ background: s.color }} aria-hidden="true" />
              {s.name}
            </span>
          ))}
        </span>
      </figcaption>
      <svg
        viewBox={`0 0 ${w} ${h}`}
        role="img"
        aria-labelledby={`${id}-t ${id}-d`}
        preserveAspectRatio="none"
      >
        <title id={`${id}-t`}>{props.title}</title>
        <desc id={`${id}-d`}>
          {n === 0
            ? 'No data yet.'
            : props.series
                .map(
                  (s) =>
                    `${s.name}: total ${sum(s.values)}${props.unit ?? ''}, highest ${Math.max(0, ...s.values.map((v) => v ?? 0))}${props.unit ?? ''}`,
                )
                .join('; ')}
        </desc>
        {ticks.map((t) => (
          <g key={t}>
            <line x1={pad.l} x2={w - pad.r} y1={y(t)} y2={y(t)} className="grid" />
            <text x={pad.l - 6} y={y(t) + 4} textAnchor="end" className="axis">
              {fmt(t)}
            </text>
          </g>
        ))}
        {props.labels.map((l, i) =>
          i % step === 0 ? (
            <text key={l + String(i)} x={x(i)} y={h - 8} textAnchor="middle" className="axis">
              {l}
            </text>
          ) : null,
        )}
        {props.series.map((s, si) =>
          s.kind === 'bar' ? (
            <g key={s.name} fill={s.color}>
              {s.values.map((v, i) =>
                v === null ? null : (
                  <rect
                    // biome-ignore lint/suspicious/noArrayIndexKey: bars are positional
                    key={i}
                    x={x(i) - bw / 2 + (si * bw) / props.series.length}
                    width={bw / props.series.length}
                    y={y(v)}
                    height={Math.max(0, h - pad.b - y(v))}
                  />
                ),
              )}
            </g>
          ) : (
            <g key={s.name}>
              {segments(s.values).map((seg) => (
                <polyline
                  key={seg[0]}
                  fill="none"
                  stroke={s.color}
                  strokeWidth={2}
                  points={seg.map((i) => `${x(i)},${y(s.values[i] as number)}`).join(' ')}
                />
              ))}
              {n <= 48
                ? s.values.map((v, i) =>
                    v === null ? null : (
                      // biome-ignore lint/suspicious/noArrayIndexKey: points are positional
                      <circle key={i} cx={x(i)} cy={y(v)} r={2.5} fill={s.color} />
                    ),
                  )
                : null}
            </g>
          ),
        )}
      </svg>
      <table className="visually-hidden">
        <caption>{props.title}</caption>
        <thead>
          <tr>
            <th scope="col">Time</th>
            {props.series.map((s) => (
              <th key={s.name} scope="col">
                {s.name}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {props.labels.map((l, i) => (
            <tr key={l + String(i)}>
              <th scope="row">{l}</th>
              {props.series.map((s) => (
                <td key={s.name}>{s.values[i] ?? '—'}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}

function sum(v: Array<number | null>): number {
  return Math.round(v.reduce<number>((a, b) => a + (b ?? 0), 0) * 100) / 100;
}

/** Runs of consecutive indexes with a value. */
function segments(v: Array<number | null>): number[][] {
  const out: number[][] = [];
  let cur: number[] = [];
  v.forEach((x, i) => {
    if (x === null) {
      if (cur.length) out.push(cur);
      cur = [];
    } else cur.push(i);
  });
  if (cur.length) out.push(cur);
  return out;
}

function nice(v: number): number {
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

function fmt(v: number): string {
  if (v >= 1_000_000) return `${Math.round(v / 100_000) / 10}M`;
  if (v >= 1000) return `${Math.round(v / 100) / 10}k`;
  return String(Math.round(v * 10) / 10);
}

/** A horizontal meter of used against a limit. */
export function Meter(props: { label: string; used: number; limit: number; detail?: string }) {
  const pct = props.limit > 0 ? Math.min(100, (props.used / props.limit) * 100) : 0;
  const tone = pct >= 90 ? 'bad' : pct >= 70 ? 'warn' : 'ok';
  return (
    <div className="meter">
      <div className="meter-head">
        <span>{props.label}</span>
        <span>
          {props.used.toLocaleString('en')} / {props.limit.toLocaleString('en')}
        </span>
      </div>
      <meter
        className="visually-hidden"
        min={0}
        max={props.limit}
        value={props.used}
        aria-label={props.label}
      />
      <div className={`meter-bar meter-${tone}`} aria-hidden="true">
        <span style={{ width: `${pct}%` }} />
      </div>
      {props.detail ? <div className="muted small">{props.detail}</div> : null}
    </div>
  );
}
