import { markup, type SafeHtml } from './html';

/**
 * Horizontal bar charts as inline SVG: no script, no external asset, readable on paper in black
 * and white (each bar carries its value as text). Labels are escaped by the `markup` tag.
 */
export interface Bar {
  label: string;
  value: number;
  /** Optional second value drawn as a thin marker line (e.g. p90 beside a median). */
  marker?: number | null;
}

export interface BarChartOptions {
  title: string;
  bars: Bar[];
  /** Appended to the value text, e.g. " days". */
  unit?: string;
  markerLabel?: string;
  width?: number;
  id?: string;
}

const ROW = 22;
const BAR = 14;
const LABEL_WIDTH = 250;
const MAX_LABEL = 40;

function short(label: string): string {
  return label.length > MAX_LABEL ? `${label.slice(0, MAX_LABEL - 1)}…` : label;
}

export function formatNumber(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}

export function barChart(o: BarChartOptions): SafeHtml {
  if (o.bars.length === 0) return markup`<p class="empty">${o.title}: nothing to show for the period.</p>`;
  const width = o.width ?? 680;
  const plot = width - LABEL_WIDTH - 70;
  const max = Math.max(1, ...o.bars.map((b) => Math.max(b.value, b.marker ?? 0)));
  const height = o.bars.length * ROW + 24 + (o.markerLabel ? 14 : 0);
  const scale = (v: number) => Math.round((Math.max(0, v) / max) * plot * 10) / 10;
  const unit = o.unit ?? '';
  const rows = o.bars.map((b, i) => {
    const y = 6 + i * ROW;
    const w = scale(b.value);
    const markerX = b.marker !== undefined && b.marker !== null ? LABEL_WIDTH + scale(b.marker) : null;
    const valueText = `${formatNumber(b.value)}${unit}${markerX !== null && o.markerLabel ? ` (${o.markerLabel} ${formatNumber(b.marker!)}${unit})` : ''}`;
    return markup`<g class="bar"><title>${b.label}: ${valueText}</title><text x="${LABEL_WIDTH - 6}" y="${y + BAR - 3}" text-anchor="end">${short(b.label)}</text><rect x="${LABEL_WIDTH}" y="${y}" width="${w}" height="${BAR}" fill="#1d4f91"></rect>${
      markerX !== null
        ? markup`<line x1="${markerX}" x2="${markerX}" y1="${y - 2}" y2="${y + BAR + 2}" stroke="#b35900" stroke-width="2"></line>`
        : ''
    }<text x="${LABEL_WIDTH + Math.max(w, markerX !== null ? markerX - LABEL_WIDTH : 0) + 4}" y="${y + BAR - 3}">${valueText}</text></g>`;
  });
  const axisY = 6 + o.bars.length * ROW;
  return markup`<figure class="chart"${o.id ? markup` id="${o.id}"` : ''}><svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${o.title}"><title>${o.title}</title><line x1="${LABEL_WIDTH}" x2="${LABEL_WIDTH}" y1="0" y2="${axisY}" stroke="#555" stroke-width="1"></line>${rows}<text x="${LABEL_WIDTH}" y="${axisY + 14}" fill="#555">0</text><text x="${LABEL_WIDTH + plot}" y="${axisY + 14}" text-anchor="end" fill="#555">${formatNumber(max)}${unit}</text>${
    o.markerLabel
      ? markup`<line x1="${LABEL_WIDTH}" x2="${LABEL_WIDTH + 12}" y1="${axisY + 24}" y2="${axisY + 24}" stroke="#b35900" stroke-width="2"></line><text x="${LABEL_WIDTH + 16}" y="${axisY + 28}" fill="#555">${o.markerLabel}</text>`
      : ''
  }</svg><figcaption class="small">${o.title}</figcaption></figure>`;
}
