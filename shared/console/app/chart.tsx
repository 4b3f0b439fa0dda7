import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  type ChartConfiguration,
  Legend,
  LinearScale,
  Tooltip,
} from "chart.js";
import { useEffect, useRef } from "preact/hooks";

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip);

export interface Series {
  label: string;
  data: number[];
  color: string;
}

/**
 * A stacked bar chart (Chart.js): one bar per label, a segment per series. `horizontal`
 * lays the bars across (a row per SKU), and the height grows with the rows.
 */
export function StackedBars(props: {
  labels: string[];
  series: Series[];
  horizontal?: boolean;
  title: string;
}) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const { labels, series, horizontal = false, title } = props;
  useEffect(() => {
    if (!canvas.current) return;
    const config: ChartConfiguration<"bar"> = {
      type: "bar",
      data: {
        labels,
        datasets: series.map((s) => ({
          label: s.label,
          data: s.data,
          backgroundColor: s.color,
          borderWidth: 0,
          barPercentage: 0.8,
        })),
      },
      options: {
        indexAxis: horizontal ? "y" : "x",
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: {
          x: { stacked: true, beginAtZero: true, ticks: { precision: 0 } },
          y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } },
        },
        plugins: { legend: { position: "bottom" }, tooltip: { mode: "index", intersect: false } },
      },
    };
    const chart = new Chart(canvas.current, config);
    return () => chart.destroy();
  }, [labels, series, horizontal]);
  const height = horizontal ? Math.max(160, 90 + labels.length * 30) : 300;
  return (
    <div class="chart" style={{ height: `${height}px` }}>
      <canvas ref={canvas} role="img" aria-label={title} />
    </div>
  );
}
