import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { Response } from 'express';
import nunjucks from 'nunjucks';
import { formatLocal } from '@resolve/calendar';

/** govuk-frontend's dist folder: its Nunjucks macros, and the CSS, JavaScript, fonts and images under /assets. */
export const GOVUK_FRONTEND_DIST = path.join(
  path.dirname(require.resolve('govuk-frontend/package.json')),
  'dist',
);

const VIEWS = path.join(__dirname, 'views');

/** What every page's layout reads. */
export interface PageContext {
  /** The signed-in person's name for the header, or null on the pages before sign-in. */
  signedInAs?: string | null;
  csrfToken?: string;
  /** The service navigation item to mark current. */
  section?: 'cases' | 'raise' | 'dashboard' | 'directory' | 'lodged';
  /** The service navigation's items (GOV.UK service navigation). */
  navigation?: { href: string; text: string; active: boolean }[];
  [key: string]: unknown;
}

/**
 * Renders the pages: Nunjucks with govuk-frontend's templates and macros, escaping on. Every
 * page gets a fresh CSP nonce for the template's one inline script, and is never cached
 * (pages carry personal details).
 */
export class WebRenderer {
  private readonly env: nunjucks.Environment;

  constructor() {
    this.env = new nunjucks.Environment(new nunjucks.FileSystemLoader([VIEWS, GOVUK_FRONTEND_DIST]), {
      autoescape: true,
      throwOnUndefined: false,
    });
    this.env.addFilter('localTime', (value: unknown) =>
      value ? formatLocal(new Date(value as string)) : '',
    );
    this.env.addFilter('words', (value: unknown) => String(value ?? '').replace(/-/g, ' '));
  }

  /** "Fri 4 Dec 17:00", Europe/London. */
  localTime(instant: string | Date): string {
    return formatLocal(new Date(instant));
  }

  render(template: string, context: PageContext, nonce = ''): string {
    return this.env.render(template, { ...context, cspNonce: nonce });
  }

  page(res: Response, template: string, context: PageContext, status = 200): void {
    const nonce = randomBytes(16).toString('base64');
    const html = this.render(template, context, nonce);
    res.status(status);
    res.setHeader('Content-Type', 'text/html; charset=utf-8');
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader(
      'Content-Security-Policy',
      [
        "default-src 'self'",
        `script-src 'self' 'nonce-${nonce}'`,
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
      ].join('; '),
    );
    res.send(html);
  }
}
