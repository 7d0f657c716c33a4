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

export type ChartData = { labels: string[]; series: Series[]; unit?: string };

/** A drawn chart: `update` redraws it with new numbers on the same canvas, with no blank frame. */
export type Drawn = { update(chart: ChartData): void; destroy(): void };

const MUTED = '#5b6776';
const GRID = '#e4e8ee';

export function drawChart(canvas: HTMLCanvasElement, first: ChartData): Drawn {
  let chart = first;
  const drawn = new Chart<'bar' | 'line', Array<number | null>, string>(canvas, {
    type: 'bar',
    data: { labels: chart.labels, datasets: datasetsOf(chart) },
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
        x: { grid: { display: false }, ticks: { color: MUTED, maxTicksLimit: 7, maxRotation: 0 } },
        y: {
          beginAtZero: true,
          grid: { color: GRID },
          ticks: { color: MUTED, maxTicksLimit: 4, callback: (v) => short(Number(v)) },
        },
      },
    },
  });
  return {
    update(next) {
      chart = next;
      drawn.data.labels = next.labels;
      drawn.data.datasets = datasetsOf(next);
      drawn.update('none');
    },
    destroy: () => drawn.destroy(),
  };
}

function datasetsOf(chart: ChartData): Array<ChartDataset<'bar' | 'line', Array<number | null>>> {
  const dots = chart.labels.length <= 48;
  return chart.series.map(
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
}

/** Axis numbers: 1.2k, 3.4M. */
function short(v: number): string {
  if (v >= 1_000_000) return `${Math.round(v / 100_000) / 10}M`;
  if (v >= 1000) return `${Math.round(v / 100) / 10}k`;
  return String(Math.round(v * 10) / 10);
}
