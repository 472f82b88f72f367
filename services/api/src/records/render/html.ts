/**
 * Print-ready HTML, built so that no value can reach the page unescaped: the `markup` tag escapes
 * every interpolated value unless it is itself `SafeHtml` produced by this module. Documents are
 * self-contained (inline CSS, inline SVG): no scripts, no external assets.
 */

export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

type Renderable = SafeHtml | string | number | boolean | null | undefined | Renderable[];

function renderValue(v: Renderable): string {
  if (v === null || v === undefined || v === false) return '';
  if (v instanceof SafeHtml) return v.value;
  if (Array.isArray(v)) return v.map(renderValue).join('');
  return escapeHtml(String(v));
}

/**
 * Tagged template: markup`<td>${value}</td>` escapes `value`; nested `markup` fragments pass
 * through. (Not named `html`, so that Prettier leaves the templates' whitespace alone.)
 */
export function markup(strings: TemplateStringsArray, ...values: Renderable[]): SafeHtml {
  let out = strings[0];
  for (let i = 0; i < values.length; i++) out += renderValue(values[i]) + strings[i + 1];
  return new SafeHtml(out);
}

/** Text with its line breaks kept (prose typed by practitioners). */
export function prose(text: string | null | undefined, empty = 'Not recorded'): SafeHtml {
  if (text === null || text === undefined || text.trim() === '') return markup`<p class="empty">${empty}</p>`;
  return markup`<p class="prose">${text}</p>`;
}

// ---------------------------------------------------------------------------------------------
// Dates: Europe/London, with the year (documents are kept for years).

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DATE_TIME = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/London',
  weekday: 'short',
  day: 'numeric',
  month: 'numeric',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});
const DATE_ONLY = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/London',
  day: 'numeric',
  month: 'numeric',
  year: 'numeric',
});

/** "Mon 18 May 2026, 09:30" (Europe/London), or a dash when absent. */
export function formatDateTime(iso: string | Date | null | undefined): string {
  if (!iso) return '—';
  const d = iso instanceof Date ? iso : new Date(iso);
  if (Number.isNaN(d.getTime())) return '—';
  // Assembled from parts: ICU versions differ in the punctuation of the whole.
  const p = Object.fromEntries(DATE_TIME.formatToParts(d).map((x) => [x.type, x.value]));
  return `${p.weekday} ${Number(p.day)} ${MONTHS[Number(p.month) - 1]} ${p.year}, ${p.hour}:${p.minute}`;
}

/** "18 May 2026" for an instant (Europe/London) or a plain calendar date "2026-05-18". */
export function formatDate(value: string | Date | null | undefined): string {
  if (!value) return '—';
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value)) {
    const [y, m, d] = value.split('-').map(Number);
    return `${d} ${MONTHS[m - 1]} ${y}`;
  }
  const d = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(d.getTime())) return '—';
  const p = Object.fromEntries(DATE_ONLY.formatToParts(d).map((x) => [x.type, x.value]));
  return `${Number(p.day)} ${MONTHS[Number(p.month) - 1]} ${p.year}`;
}

/** A <time> element: machine-readable ISO in the attribute, London time as text. */
export function time(iso: string | null | undefined, dateOnly = false): SafeHtml {
  if (!iso) return markup`<span class="empty">—</span>`;
  return markup`<time datetime="${iso}">${dateOnly ? formatDate(iso) : formatDateTime(iso)}</time>`;
}

// ---------------------------------------------------------------------------------------------
// Building blocks

/** A labelled field as on a paper form. */
export function field(label: string, value: Renderable): SafeHtml {
  const v = renderValue(value);
  return markup`<div class="field"><div class="label">${label}</div><div class="value">${new SafeHtml(v === '' ? '<span class="empty">—</span>' : v)}</div></div>`;
}

export function section(
  title: string,
  body: Renderable,
  options: { id?: string; cls?: string } = {},
): SafeHtml {
  return markup`<section${options.id ? markup` id="${options.id}"` : ''} class="${['block', options.cls ?? ''].join(' ').trim()}"><h2>${title}</h2>${body}</section>`;
}

export function table(headers: string[], rows: Renderable[][], empty = 'None recorded'): SafeHtml {
  if (rows.length === 0) return markup`<p class="empty">${empty}</p>`;
  return markup`<table><thead><tr>${headers.map((h) => markup`<th scope="col">${h}</th>`)}</tr></thead><tbody>${rows.map(
    (r) => markup`<tr>${r.map((c) => markup`<td>${c}</td>`)}</tr>`,
  )}</tbody></table>`;
}

/** Blank lines to sign and date by hand on the printed form, with what the system recorded. */
export function signatureLines(recorded: string | null = null): SafeHtml {
  return markup`<div class="signature"><div class="sig-line"><span class="label">Signature</span><span class="line"></span></div><div class="sig-line"><span class="label">Date</span><span class="line"></span></div>${
    recorded ? markup`<div class="small">${recorded}</div>` : ''
  }</div>`;
}

// ---------------------------------------------------------------------------------------------
// The page

const CSS = `
:root { --ink: #111; --muted: #555; --rule: #bbb; --accent: #1d4f91; --bar: #1d4f91; --bar2: #b35900; }
* { box-sizing: border-box; }
html { font-family: "Helvetica Neue", Arial, "Liberation Sans", sans-serif; font-size: 10.5pt; color: var(--ink); }
body { margin: 0 auto; max-width: 190mm; padding: 12mm 0 24mm; line-height: 1.35; }
header.doc { border-bottom: 2px solid var(--accent); padding-bottom: 4mm; margin-bottom: 5mm; }
header.doc .marking { font-weight: bold; letter-spacing: .05em; font-size: 9pt; color: var(--muted); }
header.doc h1 { font-size: 16pt; margin: 1mm 0 1mm; color: var(--accent); }
header.doc .source { color: var(--muted); font-size: 9pt; }
.meta { display: grid; grid-template-columns: repeat(3, 1fr); gap: 1mm 6mm; margin-top: 3mm; }
.meta .reference .value { font-size: 13pt; font-weight: bold; }
h2 { font-size: 11.5pt; margin: 0 0 2mm; padding-bottom: 1mm; border-bottom: 1px solid var(--rule); color: var(--accent); }
h3 { font-size: 10.5pt; margin: 3mm 0 1mm; }
section.block { margin: 0 0 5mm; break-inside: avoid-page; }
.field { margin: 0 0 2mm; }
.field .label, .label { font-size: 8.5pt; text-transform: uppercase; letter-spacing: .03em; color: var(--muted); }
.field .value { min-height: 1.3em; }
.grid2 { display: grid; grid-template-columns: 1fr 1fr; gap: 0 8mm; }
.prose { white-space: pre-wrap; margin: 0; border-left: 3px solid var(--rule); padding-left: 3mm; }
.empty { color: var(--muted); font-style: italic; margin: 0; }
.small { font-size: 8.5pt; color: var(--muted); }
table { width: 100%; border-collapse: collapse; font-size: 9.5pt; }
th, td { text-align: left; vertical-align: top; border-bottom: 1px solid var(--rule); padding: 1.2mm 2mm 1.2mm 0; }
th { font-size: 8.5pt; text-transform: uppercase; letter-spacing: .03em; color: var(--muted); }
thead { display: table-header-group; }
tr { break-inside: avoid; }
td.num, th.num { text-align: right; }
.answer { font-weight: bold; }
.signature { margin: 4mm 0; }
.sig-line { display: flex; align-items: flex-end; gap: 3mm; margin-top: 7mm; max-width: 90mm; }
.sig-line .label { flex: 0 0 18mm; }
.sig-line .line { flex: 1; border-bottom: 1px solid var(--ink); height: 1.2em; }
.badge { display: inline-block; padding: 0 2mm; border: 1px solid var(--ink); border-radius: 2mm; font-size: 8.5pt; }
.kpis { display: grid; grid-template-columns: repeat(4, 1fr); gap: 3mm; }
.kpi { border: 1px solid var(--rule); padding: 2mm 3mm; }
.kpi .n { font-size: 16pt; font-weight: bold; color: var(--accent); }
svg.chart { width: 100%; height: auto; }
svg.chart text { font-family: inherit; font-size: 11px; fill: #111; }
footer.doc { margin-top: 8mm; border-top: 1px solid var(--rule); padding-top: 2mm; font-size: 8pt; color: var(--muted); }
@page { size: A4; margin: 14mm 12mm 18mm; }
@page landscape { size: A4 landscape; }
@media print {
  body { padding: 0; max-width: none; }
  body.landscape { page: landscape; }
  footer.doc { position: fixed; bottom: 0; left: 0; right: 0; background: #fff; margin: 0; }
  main { margin-bottom: 14mm; }
  a { color: inherit; text-decoration: none; }
}
`;

export interface PageHeader {
  title: string;
  /** Where the protocol demands this record, e.g. "Sutton LSCP procedure, Appendix B". */
  source: string;
  marking?: string;
  reference: string | null;
  metaFields: { label: string; value: Renderable }[];
}

export function page(options: {
  header: PageHeader;
  body: Renderable;
  footer: string;
  landscape?: boolean;
}): string {
  const h = options.header;
  const title = h.reference ? `${h.reference}: ${h.title}` : h.title;
  return `<!doctype html>\n${
    markup`<html lang="en-GB"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="generator" content="Resolve"><title>${title}</title><style>${new SafeHtml(
      CSS,
    )}</style></head><body${options.landscape ? markup` class="landscape"` : ''}><header class="doc"><div class="marking">${h.marking ?? 'OFFICIAL-SENSITIVE'}</div><h1>${h.title}</h1><div class="source">${h.source}</div><div class="meta">${
      h.reference
        ? markup`<div class="field reference"><div class="label">Case reference</div><div class="value">${h.reference}</div></div>`
        : ''
    }${h.metaFields.map((f) => field(f.label, f.value))}</div></header><main>${options.body}</main><footer class="doc">${options.footer}</footer></body></html>`
      .value
  }\n`;
}
