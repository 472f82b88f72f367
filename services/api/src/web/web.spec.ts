import type { NextFunction, Request, Response } from 'express';
import { ACTION_PAGES, checkAnswers } from './case-actions';
import { barChart } from './charts';
import { loadWebConfig } from './web-config';
import { safeReturnTo } from './web-request';
import { emailLinkToCasePage } from './web.module';
import { deadlineInWords } from './words';

const ID = '5b0c3c1e-8d1a-4c36-9a53-3f2f1a7c9e01';

describe('web settings', () => {
  it('needs the client id and secret once an issuer is set', () => {
    expect(() => loadWebConfig({ WEB_OIDC_ISSUER: 'https://login.example.test/tenant/v2.0' })).toThrow(
      /WEB_OIDC_ISSUER is set: set WEB_OIDC_CLIENT_ID and WEB_OIDC_CLIENT_SECRET too/,
    );
  });

  it('refuses plain http and local addresses under RESOLVE_ENV=production', () => {
    expect(() =>
      loadWebConfig({
        RESOLVE_ENV: 'production',
        WEB_BASE_URL: 'http://resolve.example.test',
        WEB_OIDC_ISSUER: 'http://127.0.0.1:8090',
        WEB_OIDC_CLIENT_ID: 'resolve-web',
        WEB_OIDC_CLIENT_SECRET: 'secret',
      }),
    ).toThrow(
      /WEB_BASE_URL: must be an https:\/\/ address[\s\S]*WEB_OIDC_ISSUER: must be an https:\/\/ address/,
    );
    expect(
      loadWebConfig({
        RESOLVE_ENV: 'production',
        WEB_BASE_URL: 'https://resolve.sefton.example',
        WEB_OIDC_ISSUER: 'https://login.microsoftonline.com/tenant/v2.0',
        WEB_OIDC_CLIENT_ID: 'resolve-web',
        WEB_OIDC_CLIENT_SECRET: 'secret',
      }).WEB_SESSION_IDLE_MINUTES,
    ).toBe(30);
    // Without sign-in set up, production starts as before (the pages say sign-in is not set up).
    expect(loadWebConfig({ RESOLVE_ENV: 'production' }).WEB_OIDC_ISSUER).toBeUndefined();
  });
});

describe('where sign-in returns to', () => {
  it("is only one of this service's pages", () => {
    expect(safeReturnTo(`/cases/${ID}`)).toBe(`/cases/${ID}`);
    expect(safeReturnTo('/cases?status=open&tier=2')).toBe('/cases?status=open&tier=2');
    expect(safeReturnTo('//evil.example/cases')).toBeNull();
    expect(safeReturnTo('https://evil.example/cases')).toBeNull();
    expect(safeReturnTo('/docs')).toBeNull();
  });
});

describe("an email's link opened in a browser", () => {
  const run = (url: string, headers: Record<string, string>) => {
    const redirect = jest.fn();
    const next: NextFunction = jest.fn();
    emailLinkToCasePage(
      { originalUrl: url, headers } as unknown as Request,
      { redirect } as unknown as Response,
      next,
    );
    return { redirect, next };
  };

  it('goes to the case page; API clients are not redirected', () => {
    expect(run(`/escalations/${ID}`, { accept: 'text/html,*/*' }).redirect).toHaveBeenCalledWith(
      303,
      `/cases/${ID}`,
    );
    expect(run(`/escalations/${ID}`, { accept: 'application/json' }).next).toHaveBeenCalled();
    expect(
      run(`/escalations/${ID}`, { accept: 'text/html', authorization: 'Bearer x' }).next,
    ).toHaveBeenCalled();
    expect(run('/escalations/not-a-uuid', { accept: 'text/html' }).next).toHaveBeenCalled();
  });
});

describe('action forms', () => {
  it('names every missing answer, and reads dates in Europe/London', () => {
    expect(checkAnswers(ACTION_PAGES['add-note'], {}).errors).toEqual([{ name: 'text', text: 'Enter note' }]);
    const { values, errors } = checkAnswers(ACTION_PAGES['propose-extension'], {
      'dueAt-day': '30',
      'dueAt-month': '6',
      'dueAt-year': '2026',
      'dueAt-time': '17:00',
    });
    expect(errors).toEqual([]);
    // 17:00 British Summer Time is 16:00 UTC.
    expect(values.dueAt).toBe('2026-06-30T16:00:00.000Z');
    expect(
      checkAnswers(ACTION_PAGES['propose-extension'], {
        'dueAt-day': '31',
        'dueAt-month': '2',
        'dueAt-year': '2026',
      }).errors,
    ).toEqual([{ name: 'dueAt-day', text: 'New deadline must be a real date, and the time like 17:00' }]);
  });

  it('asks for at least one plan item, each with its owner and date', () => {
    expect(checkAnswers(ACTION_PAGES['agree-plan'], {}).errors).toEqual([
      { name: 'item0-what', text: 'Enter at least one item of the plan' },
    ]);
    expect(checkAnswers(ACTION_PAGES['agree-plan'], { 'item1-what': 'Meet' }).errors).toEqual([
      { name: 'item1-owner', text: 'Select who owns item 2' },
      { name: 'item1-due-day', text: "Item 2's date must be a real date" },
    ]);
  });
});

describe('words and charts', () => {
  it('says how far a deadline is, and whether it has passed', () => {
    const now = new Date('2026-12-01T09:00:00Z');
    expect(deadlineInWords('2026-12-04T17:00:00Z', now)).toEqual({
      text: 'Fri 4 Dec 17:00 (in 3 days)',
      overdue: false,
    });
    expect(deadlineInWords('2026-11-30T17:00:00Z', now)).toEqual({
      text: 'Mon 30 Nov 17:00 (overdue by 16 hours)',
      overdue: true,
    });
    expect(deadlineInWords(null, now)).toBeNull();
  });

  it('draws an SVG chart with a title and description, escaping its labels', () => {
    const svg = barChart('Open cases', 'By step', [{ label: 'Step <1>', value: 3 }]);
    expect(svg).toMatch(
      /^<svg class="app-chart" role="img" aria-labelledby="chart-open-cases-title chart-open-cases-desc"/,
    );
    expect(svg).toContain('Step &lt;1&gt;');
    expect(svg).not.toContain('<1>');
  });
});
