import { escapeHtml, field, formatDate, formatDateTime, markup, page, prose, SafeHtml, table } from './html';

describe('markup and the page', () => {
  it('escapes every interpolated value, and passes fragments built with markup through', () => {
    const evil = `<script>alert("x")</script> & 'quoted'`;
    const out = markup`<p title="${evil}">${evil}${markup`<b>${evil}</b>`}</p>`.value;
    expect(out).not.toContain('<script>');
    expect(out).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quoted&#39;');
    expect(out).toContain('<b>&lt;script&gt;');
    expect(out.match(/<script/g)).toBeNull();
  });

  it('renders nothing for null, undefined and false, and joins arrays', () => {
    expect(markup`a${null}b${undefined}c${false}d${['<', '>']}`.value).toBe('abcd&lt;&gt;');
    expect(markup`${0}`.value).toBe('0');
  });

  it('escapeHtml covers the five characters', () => {
    expect(escapeHtml(`&<>"'`)).toBe('&amp;&lt;&gt;&quot;&#39;');
  });

  it('formats instants in Europe/London with the year (BST and GMT)', () => {
    expect(formatDateTime('2026-05-18T08:30:00Z')).toBe('Mon 18 May 2026, 09:30');
    expect(formatDateTime('2026-12-01T16:00:00Z')).toBe('Tue 1 Dec 2026, 16:00');
    expect(formatDateTime(null)).toBe('—');
    expect(formatDate('2016-02-29')).toBe('29 Feb 2016');
    expect(formatDate('2026-05-17T23:30:00Z')).toBe('18 May 2026');
  });

  it('keeps prose line breaks, marks empty prose, and escapes table cells and field values', () => {
    expect(prose('a\n<b>').value).toBe('<p class="prose">a\n&lt;b&gt;</p>');
    expect(prose('  ').value).toContain('Not recorded');
    expect(table(['h<1>'], [['<c>']]).value).toContain('<th scope="col">h&lt;1&gt;</th>');
    expect(table(['h'], []).value).toContain('None recorded');
    expect(field('L', '<v>').value).toContain('&lt;v&gt;');
    expect(field('L', null).value).toContain('—');
  });

  it('builds a self-contained page: print CSS, escaped title, no script, no external asset', () => {
    const doc = page({
      header: { title: 'T <x>', source: 'S', reference: 'REF-1', metaFields: [{ label: 'k', value: '<v>' }] },
      body: new SafeHtml('<section id="a">body</section>'),
      footer: 'F <f>',
    });
    expect(doc.startsWith('<!doctype html>')).toBe(true);
    expect(doc).toContain('<title>REF-1: T &lt;x&gt;</title>');
    expect(doc).toContain('@media print');
    expect(doc).toContain('@page');
    expect(doc).toContain('<footer class="doc">F &lt;f&gt;</footer>');
    expect(doc).not.toMatch(/<script|src=|href=|@import|url\(/i);
  });
});
