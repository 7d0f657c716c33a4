import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  type ChartDataset,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
} from 'chart.js';

/**
 * Draws the usage charts with Chart.js (docs/adr/0010-charts.md). Only the bar and line charts,
 * their two scales and the tooltip are registered, so the rest of Chart.js stays out of the bundle;
 * chart.tsx loads this module only when a chart is shown. The legend and the accessible text are
 * HTML in chart.tsx, not drawn here.
 */
Chart.register(
  BarController,
  BarElement,
  CategoryScale,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
);

/** `null` is a gap (no data in that bucket), drawn as a break in a line. */
export type Series = { name: string; values: Array<number | null>; color: string; kind?: 'line' | 'bar' };

type Drawn = { destroy(): void };

export function drawChart(
  canvas: HTMLCanvasElement,
  chart: { labels: string[]; series: Series[]; unit?: string },
): Drawn {
  const muted = '#5b6776';
  const grid = '#e4e8ee';
  const dots = chart.labels.length <= 48;
  const datasets = chart.series.map(
    (s): ChartDataset<'bar' | 'line', Array<number | null>> =>
      s.kind === 'bar'
        ? { type: 'bar', label: s.name, data: s.values, backgroundColor: s.color, maxBarThickness: 36 }
        : {
            type: 'line',
            label: s.name,
            data: s.values,
            borderColor: s.color,
            backgroundColor: s.color,
            borderWidth: 2,
            pointRadius: dots ? 2.5 : 0,
            spanGaps: false,
          },
  );
  return new Chart<'bar' | 'line', Array<number | null>, string>(canvas, {
    type: 'bar',
    data: { labels: chart.labels, datasets },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      interaction: { mode: 'index', intersect: false },
      plugins: {
        tooltip: {
          callbacks: { label: (c) => `${c.dataset.label}: ${c.formattedValue}${chart.unit ?? ''}` },
        },
      },
      scales: {
        x: { grid: { display: false }, ticks: { color: muted, maxTicksLimit: 7, maxRotation: 0 } },
        y: {
          beginAtZero: true,
          grid: { color: grid },
          ticks: { color: muted, maxTicksLimit: 4, callback: (v) => short(Number(v)) },
        },
      },
    },
  });
}

/** Axis numbers: 1.2k, 3.4M. */
function short(v: number): string {
  if (v >= 1_000_000) return `${Math.round(v / 100_000) / 10}M`;
  if (v >= 1000) return `${Math.round(v / 100) / 10}k`;
  return String(Math.round(v * 10) / 10);
}
