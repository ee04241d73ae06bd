/**
 * Grouped bar charts as a plain SVG string: no dependency, readable on GitHub (white background, system
 * fonts, every bar labelled with its value, a missing value marked "n/a").
 */

export interface Series {
  name: string;
  color: string;
  /** One value per group; undefined draws no bar, only `missingLabel`. */
  values: (number | undefined)[];
}

export interface BarChart {
  title: string;
  yLabel: string;
  groups: string[];
  series: Series[];
  format: (value: number) => string;
  missingLabel?: string;
}

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

const font = 'font-family="-apple-system, Segoe UI, Helvetica, Arial, sans-serif"';
const margin = { top: 40, right: 16, bottom: 56, left: 64 };

/** Rows of panels side by side, one legend under them (the series of the first panel). */
export function barChartsSvg(rows: BarChart[][], { panelWidth = 540, panelHeight = 330, caption = "" } = {}): string {
  const legendHeight = 28;
  const captionHeight = caption ? 22 : 0;
  const width = panelWidth * Math.max(...rows.map((row) => row.length));
  const height = panelHeight * rows.length + legendHeight + captionHeight;
  const panels = rows.flatMap((row, r) => row.map((chart, i) => panel(chart, { x: i * panelWidth, y: r * panelHeight, width: panelWidth, height: panelHeight })));
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ${font} font-size="12" role="img">`,
    // Screen readers (and GitHub's alt text) read the title: the charts' own titles, in order.
    `<title>${escapeXml(rows.flat().map((chart) => chart.title).join("; "))}</title>`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    ...panels,
    legend(rows[0]?.[0]?.series ?? [], width, panelHeight * rows.length + 8),
    caption ? text(width / 2, height - 8, caption, { anchor: "middle", size: 11, fill: "#4b5563" }) : "",
    "</svg>",
    "",
  ].join("\n");
}

function panel(chart: BarChart, box: Box): string {
  const plot: Box = { x: box.x + margin.left, y: box.y + margin.top, width: box.width - margin.left - margin.right, height: box.height - margin.top - margin.bottom };
  const present = chart.series.flatMap((s) => s.values.filter((v): v is number => v !== undefined && Number.isFinite(v)));
  const ticks = niceTicks(Math.max(0, ...present));
  const top = ticks[ticks.length - 1] ?? 1;
  const yOf = (value: number) => plot.y + plot.height - (value / top) * plot.height;
  const groupWidth = plot.width / Math.max(1, chart.groups.length);
  const barWidth = (groupWidth * 0.8) / Math.max(1, chart.series.length);
  const parts: string[] = [text(box.x + box.width / 2, box.y + 22, chart.title, { anchor: "middle", size: 14, weight: "600" })];
  for (const tick of ticks) {
    const y = yOf(tick);
    parts.push(`<line x1="${plot.x}" x2="${plot.x + plot.width}" y1="${y}" y2="${y}" stroke="#e5e7eb"/>`);
    parts.push(text(plot.x - 6, y + 4, tick.toLocaleString("en-US", { maximumFractionDigits: 2 }), { anchor: "end", fill: "#4b5563" }));
  }
  parts.push(`<line x1="${plot.x}" x2="${plot.x}" y1="${plot.y}" y2="${plot.y + plot.height}" stroke="#9ca3af"/>`);
  parts.push(`<line x1="${plot.x}" x2="${plot.x + plot.width}" y1="${plot.y + plot.height}" y2="${plot.y + plot.height}" stroke="#9ca3af"/>`);
  const yLabelX = box.x + 16;
  const yLabelY = plot.y + plot.height / 2;
  parts.push(`<text x="${yLabelX}" y="${yLabelY}" text-anchor="middle" transform="rotate(-90 ${yLabelX} ${yLabelY})" fill="#374151">${escapeXml(chart.yLabel)}</text>`);
  chart.groups.forEach((group, g) => {
    const groupX = plot.x + g * groupWidth + groupWidth * 0.1;
    parts.push(text(plot.x + (g + 0.5) * groupWidth, plot.y + plot.height + 20, group, { anchor: "middle", fill: "#111827" }));
    chart.series.forEach((series, s) => {
      const x = groupX + s * barWidth;
      const value = series.values[g];
      const center = x + barWidth / 2;
      if (value === undefined || !Number.isFinite(value)) {
        parts.push(text(center + 3, plot.y + plot.height - 6, chart.missingLabel ?? "n/a", { size: 10, fill: "#6b7280", rotate: true }));
        return;
      }
      const y = yOf(value);
      parts.push(`<rect x="${x + 1}" y="${y}" width="${Math.max(1, barWidth - 2)}" height="${plot.y + plot.height - y}" fill="${series.color}"><title>${escapeXml(`${series.name}, ${group}: ${chart.format(value)}`)}</title></rect>`);
      parts.push(text(center, y - 4, chart.format(value), { anchor: "middle", size: 10, fill: "#111827" }));
    });
  });
  return parts.join("\n");
}

function legend(series: Series[], width: number, y: number): string {
  const itemWidth = Math.min(260, width / Math.max(1, series.length));
  const start = (width - itemWidth * series.length) / 2;
  return series
    .map((s, i) => {
      const x = start + i * itemWidth;
      return `<rect x="${x}" y="${y}" width="12" height="12" fill="${s.color}"/>${text(x + 18, y + 10, s.name, { fill: "#111827" })}`;
    })
    .join("\n");
}

/** Round tick values from 0 to at least `max` (1, 2 or 5 times a power of ten apart), about five of them. */
export function niceTicks(max: number, count = 5): number[] {
  if (!(max > 0)) return [0, 1];
  const rough = max / count;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = ([1, 2, 5, 10].find((f) => f * power >= rough) ?? 10) * power;
  const ticks: number[] = [];
  for (let t = 0; t < max + step * 0.999; t += step) ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

function text(x: number, y: number, content: string, style: { anchor?: "start" | "middle" | "end"; size?: number; fill?: string; weight?: string; rotate?: boolean } = {}): string {
  const attributes = [
    `x="${x.toFixed(1)}"`,
    `y="${y.toFixed(1)}"`,
    style.anchor && style.anchor !== "start" && !style.rotate ? `text-anchor="${style.anchor}"` : "",
    style.size ? `font-size="${style.size}"` : "",
    style.fill ? `fill="${style.fill}"` : "",
    style.weight ? `font-weight="${style.weight}"` : "",
    // Read bottom to top, starting at (x, y): a vertical label inside a bar's slot.
    style.rotate ? `transform="rotate(-90 ${x.toFixed(1)} ${y.toFixed(1)})"` : "",
  ].filter(Boolean);
  return `<text ${attributes.join(" ")}>${escapeXml(content)}</text>`;
}

function escapeXml(value: string): string {
  return value.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c] as string);
}
