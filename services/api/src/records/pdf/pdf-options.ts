import type { Page } from 'playwright-core';
import type { CaseDocumentKind } from '../records.service';

export type PdfOptions = NonNullable<Parameters<Page['pdf']>[0]>;

/** The Government Security Classifications marking every page of every record carries. */
export const PROTECTIVE_MARKING = 'OFFICIAL-SENSITIVE';

export const DEFAULT_CHROMIUM_PATH = '/usr/bin/chromium';

/**
 * Chromium draws the header and footer templates in the page margins, outside the document, so
 * they see none of its CSS: each template styles itself, and needs an explicit font size (the
 * default is too small to read). `pageNumber` and `totalPages` are filled in by Chromium.
 */
const BAND =
  'width: 100%; margin: 0 12mm; display: flex; justify-content: space-between; ' +
  'font-family: Arial, "Liberation Sans", sans-serif; font-size: 8pt; color: #111;';

export const HEADER_TEMPLATE = `<div style='${BAND}'><span>${PROTECTIVE_MARKING}</span></div>`;

export const FOOTER_TEMPLATE =
  `<div style='${BAND}'><span>${PROTECTIVE_MARKING}</span>` +
  `<span>Page <span class="pageNumber"></span> of <span class="totalPages"></span></span></div>`;

/**
 * How every record is printed: A4 (a document whose CSS names the landscape page, the agency
 * log, turns its pages itself), backgrounds kept (the charts' bars and the key-figure boxes), the
 * marking and page numbers on every page. The margins are the documents' own (`@page` in
 * render/html.ts), which leave room for the header and footer.
 */
export function pdfOptions(): PdfOptions {
  return {
    format: 'A4',
    printBackground: true,
    displayHeaderFooter: true,
    headerTemplate: HEADER_TEMPLATE,
    footerTemplate: FOOTER_TEMPLATE,
    outline: false,
    tagged: true,
  };
}

/**
 * The document with `title` as its <title>, which Chromium writes into the PDF's metadata. The
 * rendered title begins with the case reference, which partnerships sometimes make from a
 * family's name; the metadata travels with a filed PDF, so it gets the document's kind only.
 */
export function withDocumentTitle(html: string, title: string): string {
  const safe = title.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  const replaced = html.replace(/<title>[^<]*<\/title>/, `<title>${safe}</title>`);
  if (replaced === html && !html.includes(`<title>${safe}</title>`))
    throw new Error('the document to print has no <title> to replace');
  return replaced;
}

/** The title of each kind of document in its PDF's metadata: no reference, no names. */
export const PDF_TITLES: Record<CaseDocumentKind | 'escalation-log' | 'disputes-report', string> = {
  'referral-form': 'Escalation referral form',
  'summary-log': 'Agency escalation summary log entry',
  'report-to-partnership': 'Report to the partnership',
  'monitoring-form': 'Monitoring form',
  decision: 'Record of the meeting and decision',
  outcome: 'Record of the outcome',
  'escalation-log': 'Agency escalation summary log',
  'disputes-report': 'Annual report of disputes and panel findings',
};

/** Only letters, digits, dot, dash and underscore reach a file name (and the header it travels in). */
const fileSafe = (part: string) => part.replace(/[^A-Za-z0-9._-]/g, '_');

/**
 * A case document's file name, from the escalation's id and the document's kind: never the case
 * reference, which can carry a family's name, into a file name that mail and file shares show.
 */
export function caseDocumentFileName(escalationId: string, kind: CaseDocumentKind): string {
  return `escalation-${fileSafe(escalationId)}-${kind}.pdf`;
}

/** A partnership's or an agency's document: its id, the document kind and the day it ends. */
export function boardDocumentFileName(
  kind: 'escalation-log' | 'disputes-report',
  ownerId: string,
  day: string,
): string {
  return `${kind}-${fileSafe(ownerId)}-${fileSafe(day)}.pdf`;
}
