import { useEffect, useRef } from 'react';
import type { Drawn, Series } from './chart-draw.ts';

/**
 * A chart (bars or a line) with accessible text: Chart.js draws it on a canvas (chart-draw.ts,
 * loaded on first use so that pages without charts do not carry it); the canvas is an image named
 * by the chart's title and a summary of its numbers, and a visually hidden table carries every
 * number for screen readers. The legend is HTML beside the title.
 */
export function Chart(props: { title: string; labels: string[]; series: Series[]; unit?: string }) {
  const { labels, series, unit } = props;
  const canvas = useRef<HTMLCanvasElement>(null);
  const drawn = useRef<Drawn | undefined>(undefined);
  const latest = useRef({ labels, series, unit });
  latest.current = { labels, series, unit };
  // The chart is drawn once per canvas and then updated in place: a page that refreshes its data
  // every few seconds passes new arrays each time, and destroying and redrawing would show a
  // blank canvas between the two.
  useEffect(() => {
    let live = true;
    void import('./chart-draw.ts').then((m) => {
      if (live && canvas.current) drawn.current = m.drawChart(canvas.current, latest.current);
    });
    return () => {
      live = false;
      drawn.current?.destroy();
      drawn.current = undefined;
    };
  }, []);
  useEffect(() => {
    drawn.current?.update({ labels, series, unit });
  }, [labels, series, unit]);
  const summary =
    labels.length === 0
      ? 'No data yet.'
      : series
          .map(
            (s) =>
              `${s.name}: total ${sum(s.values)}${unit ?? ''}, highest ${Math.max(0, ...s.values.map((v) => v ?? 0))}${unit ?? ''}`,
          )
          .join('; ');
  return (
    <figure className="chart">
      <figcaption>
        {props.title}
        <span className="legend">
          {series.map((s) => (
            <span key={s.name}>
              <span className="swatch" style={{ background: s.color }} aria-hidden="true" />
              {s.name}
            </span>
          ))}
        </span>
      </figcaption>
      <div className="chart-canvas">
        <canvas ref={canvas} role="img" aria-label={`${props.title}. ${summary}`}>
          {summary}
        </canvas>
      </div>
      <table className="visually-hidden">
        <caption>{props.title}</caption>
        <thead>
          <tr>
            <th scope="col">Time</th>
            {series.map((s) => (
              <th key={s.name} scope="col">
                {s.name}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {labels.map((l, i) => (
            <tr key={l + String(i)}>
              <th scope="row">{l}</th>
              {series.map((s) => (
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
