/** One bar of a chart: its label, its value, and whether it shows a problem (drawn red). */
export interface Bar {
  label: string;
  value: number;
  alert?: boolean;
}

const escapeXml = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!,
  );

/**
 * A horizontal bar chart as inline SVG, drawn on the server (no script). It is an image with a
 * title and description for screen readers; each chart is followed on the page by a table of the
 * same figures, which is what assistive technology and print read.
 */
export function barChart(title: string, description: string, bars: Bar[]): string {
  const rowHeight = 32;
  const labelWidth = 260;
  const barArea = 360;
  const width = labelWidth + barArea + 60;
  const height = Math.max(1, bars.length) * rowHeight + 8;
  const max = Math.max(1, ...bars.map((b) => b.value));
  const id = `chart-${title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
  const rows = bars
    .map((b, i) => {
      const y = i * rowHeight + 4;
      const w = Math.round((b.value / max) * barArea);
      return (
        `<text class="app-chart__label" x="${labelWidth - 8}" y="${y + 20}" text-anchor="end">${escapeXml(b.label)}</text>` +
        `<rect class="app-chart__bar${b.alert ? ' app-chart__bar--overdue' : ''}" x="${labelWidth}" y="${y + 4}" width="${Math.max(w, b.value ? 2 : 0)}" height="${rowHeight - 10}"></rect>` +
        `<text class="app-chart__label" x="${labelWidth + w + 6}" y="${y + 20}">${b.value}</text>`
      );
    })
    .join('');
  return (
    `<svg class="app-chart" role="img" aria-labelledby="${id}-title ${id}-desc" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" xmlns="http://www.w3.org/2000/svg">` +
    `<title id="${id}-title">${escapeXml(title)}</title><desc id="${id}-desc">${escapeXml(description)}</desc>${rows}</svg>`
  );
}
