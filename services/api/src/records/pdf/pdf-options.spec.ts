import {
  boardDocumentFileName,
  caseDocumentFileName,
  FOOTER_TEMPLATE,
  HEADER_TEMPLATE,
  pdfOptions,
  withDocumentTitle,
} from './pdf-options';

describe('pdfOptions', () => {
  it('prints A4 with backgrounds, the marking in the header and footer, and "Page n of N"', () => {
    expect(pdfOptions()).toMatchObject({
      format: 'A4',
      printBackground: true,
      displayHeaderFooter: true,
      headerTemplate: HEADER_TEMPLATE,
      footerTemplate: FOOTER_TEMPLATE,
    });
    expect(HEADER_TEMPLATE).toContain('OFFICIAL-SENSITIVE');
    expect(FOOTER_TEMPLATE).toContain('OFFICIAL-SENSITIVE');
    expect(FOOTER_TEMPLATE).toMatch(
      /Page <span class="pageNumber"><\/span> of <span class="totalPages"><\/span>/,
    );
    // Chromium's templates see no document CSS; without a size the text is unreadably small.
    expect(HEADER_TEMPLATE).toMatch(/font-size: 8pt/);
  });

  it('leaves the margins to the documents’ own @page rule', () => {
    expect(pdfOptions()).not.toHaveProperty('margin');
  });
});

describe(withDocumentTitle.name, () => {
  const html =
    '<!doctype html>\n<html><head><title>SMITH-FAMILY-01: Monitoring form</title></head><body></body></html>';

  it('replaces the title (which starts with the case reference) and nothing else', () => {
    const out = withDocumentTitle(html, 'Monitoring form');
    expect(out).toBe(html.replace('SMITH-FAMILY-01: Monitoring form', 'Monitoring form'));
    expect(out).not.toContain('SMITH');
  });

  it('escapes the new title', () => {
    expect(withDocumentTitle(html, 'A & <B>')).toContain('<title>A &#38; &#60;B&#62;</title>');
  });

  it('refuses a document without a title rather than print the reference into the metadata', () => {
    expect(() => withDocumentTitle('<html><body>x</body></html>', 'Form')).toThrow(/no <title>/);
  });
});

describe('PDF file names', () => {
  it('come from the escalation id and the kind, never a reference', () => {
    expect(caseDocumentFileName('0f8fad5b-d9cb-469f-a165-70867728950e', 'referral-form')).toBe(
      'escalation-0f8fad5b-d9cb-469f-a165-70867728950e-referral-form.pdf',
    );
  });

  it('keep only safe characters from an owner id', () => {
    expect(boardDocumentFileName('escalation-log', 'sefton sscp/"csc"', '2026-12-05')).toBe(
      'escalation-log-sefton_sscp__csc_-2026-12-05.pdf',
    );
    expect(boardDocumentFileName('disputes-report', 'bscb', '2026-12-05')).toBe(
      'disputes-report-bscb-2026-12-05.pdf',
    );
  });
});
