import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { ApiError } from '../../common/api-error';
import { isA4, readPdf } from './pdf-text.testing';
import { PdfPrinter, pdfPrinterSettings, type PdfPrinterSettings } from './pdf-printer';

/**
 * The printer with Debian's Chromium (/usr/bin/chromium, which provisioning installs): what it
 * prints, what it refuses to do while printing, and how it fails.
 */
jest.setTimeout(60_000);

const failureOf = async (p: Promise<unknown>): Promise<ApiError> => {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  if (!(err instanceof ApiError)) throw new Error(`expected an ApiError, got ${String(err)}`);
  return err;
};

describe(PdfPrinter.name, () => {
  const printers: PdfPrinter[] = [];
  const printer = (settings: Partial<PdfPrinterSettings> = {}) => {
    const p = new PdfPrinter(pdfPrinterSettings(settings));
    printers.push(p);
    return p;
  };
  afterEach(async () => {
    await Promise.all(printers.splice(0).map((p) => p.onApplicationShutdown()));
  });

  let server: Server;
  let requests = 0;
  let origin = '';
  beforeAll(async () => {
    server = createServer((_, res) => {
      requests++;
      res.end('x');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((r) => server.close(r)));

  it('prints the HTML to A4 with the marking and "Page n of N" on every page, titled without the reference', async () => {
    const paragraphs = Array.from({ length: 120 }, (_, i) => `<p>Paragraph ${i + 1}</p>`).join('');
    const pdf = await printer().print({
      html: `<!doctype html><html><head><title>REF-0042: Monitoring form</title></head><body>${paragraphs}</body></html>`,
      title: 'Monitoring form',
    });
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    const { pages, title } = await readPdf(pdf);
    expect(pages.length).toBeGreaterThan(1);
    expect(pages.every(isA4)).toBe(true);
    pages.forEach(({ text }, i) => {
      expect(text.match(/OFFICIAL-SENSITIVE/g)).toHaveLength(2);
      expect(text).toMatch(new RegExp(`Page ${i + 1} of ${pages.length}`));
    });
    expect(pages.map((p) => p.text).join('\n')).toContain('Paragraph 120');
    expect(title).toBe('Monitoring form');
  });

  it('runs no script and fetches nothing the document points at', async () => {
    const pdf = await printer().print({
      html:
        `<!doctype html><html><head><title>t</title><link rel="stylesheet" href="${origin}/style.css"></head>` +
        `<body><p id="p">As rendered</p><img src="${origin}/image.png">` +
        `<script>document.getElementById('p').textContent = 'Script ran'; fetch('${origin}/script');</script></body></html>`,
      title: 'Record',
    });
    const [page] = (await readPdf(pdf)).pages;
    expect(page.text).toContain('As rendered');
    expect(page.text).not.toContain('Script ran');
    expect(requests).toBe(0);
  });

  it('answers 503 naming CHROMIUM_PATH when there is no Chromium there, and tries again next time', async () => {
    const p = printer({ executablePath: '/nonexistent/chromium' });
    const doc = { html: '<html><head><title>t</title></head><body>x</body></html>', title: 'Record' };
    for (let i = 0; i < 2; i++) {
      const err = await failureOf(p.print(doc));
      expect(err.code).toBe('unavailable');
      expect(err.details.reason).toBe('pdf-printer-missing-browser');
      expect(err.message).toBe(
        "PDF printing is unavailable: no Chromium executable at /nonexistent/chromium (CHROMIUM_PATH); install Debian's chromium package or set CHROMIUM_PATH",
      );
    }
  });

  it('answers 503 when an executable there is not a browser that starts', async () => {
    const err = await failureOf(
      printer({ executablePath: '/bin/false', timeoutMs: 20_000 }).print({
        html: '<html><head><title>t</title></head><body>x</body></html>',
        title: 'Record',
      }),
    );
    expect(err.details.reason).toBe('pdf-printer-browser-failed');
    expect(err.message).toMatch(
      /^PDF printing is unavailable: Chromium at \/bin\/false \(CHROMIUM_PATH\) failed to start: /,
    );
  });

  it('prints a few documents at a time and refuses one more than may wait', async () => {
    const p = printer({ concurrency: 1, maxWaiting: 1 });
    const doc = { html: '<html><head><title>t</title></head><body>x</body></html>', title: 'Record' };
    const first = p.print(doc);
    const second = p.print(doc);
    const refused = await failureOf(p.print(doc));
    expect(refused.details.reason).toBe('pdf-printer-busy');
    expect((await first).subarray(0, 5).toString()).toBe('%PDF-');
    expect((await second).subarray(0, 5).toString()).toBe('%PDF-');
    // The slots are free again.
    expect((await p.print(doc)).subarray(0, 5).toString()).toBe('%PDF-');
  });

  it('answers 503 when a document takes longer than the limit', async () => {
    const err = await failureOf(
      printer({ timeoutMs: 5 }).print({
        html: '<html><head><title>t</title></head><body>x</body></html>',
        title: 'Record',
      }),
    );
    expect(err.details.reason).toBe('pdf-printer-timeout');
    expect(err.message).toMatch(/not printed within 5 ms/);
  });

  it('starts Chromium again when the one it kept has gone away', async () => {
    const p = printer();
    const doc = { html: '<html><head><title>t</title></head><body>x</body></html>', title: 'Record' };
    await p.print(doc);
    // As if the browser process had died: the printer sees it disconnect.
    const kept = await (p as unknown as { browser: Promise<Browser> }).browser;
    await kept.close();
    expect((await p.print(doc)).subarray(0, 5).toString()).toBe('%PDF-');
    expect(await (p as unknown as { browser: Promise<Browser> }).browser).not.toBe(kept);
  });

  it('closes the browser on shutdown and prints nothing after', async () => {
    const p = printer();
    const doc = { html: '<html><head><title>t</title></head><body>x</body></html>', title: 'Record' };
    await p.print(doc);
    await p.onApplicationShutdown();
    expect((await failureOf(p.print(doc))).details.reason).toBe('pdf-printer-stopping');
  });
});
