/** The inner HTML of `<section id="...">`, for field-level assertions on rendered documents. */
export function sectionHtml(doc: string, id: string): string {
  const m = new RegExp(`<section id="${id}"[^>]*>([\\s\\S]*?)</section>`).exec(doc);
  if (!m) throw new Error(`no section #${id} in the document`);
  return m[1];
}

/** Text with tags removed and entities decoded (the five this renderer writes). */
export function textOf(fragment: string): string {
  return fragment
    .replace(/<[^>]+>/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();
}
