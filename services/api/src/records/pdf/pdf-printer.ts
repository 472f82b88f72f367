import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { chromium, errors, type Browser, type BrowserContext } from 'playwright-core';
import { ApiError } from '../../common/api-error';
import { logger } from '../../common/logger';
import { DEFAULT_CHROMIUM_PATH, pdfOptions, withDocumentTitle } from './pdf-options';

export interface PdfPrinterSettings {
  /** The Chromium executable (CHROMIUM_PATH): Debian's package, never a downloaded browser. */
  executablePath: string;
  /** Documents printed at the same time; each holds a browser tab of tens of megabytes. */
  concurrency: number;
  /** Documents that may wait for a free slot; one more is refused at once (503). */
  maxWaiting: number;
  /** The longest one document may take, waiting and starting the browser included (then 503). */
  timeoutMs: number;
}

export const PDF_PRINTER_SETTINGS = Symbol('PDF_PRINTER_SETTINGS');

/** The printer's settings: CHROMIUM_PATH from the validated configuration, the limits built in. */
export function pdfPrinterSettings(
  overrides: Partial<PdfPrinterSettings> & { executablePath?: string | undefined } = {},
): PdfPrinterSettings {
  return {
    executablePath: overrides.executablePath || DEFAULT_CHROMIUM_PATH,
    concurrency: overrides.concurrency ?? 2,
    maxWaiting: overrides.maxWaiting ?? 20,
    timeoutMs: overrides.timeoutMs ?? 30_000,
  };
}

/**
 * Chromium without what a printer does not need. Its own sandbox is off (`--no-sandbox`, as
 * Playwright starts it by default) because containers run it as an unprivileged user without
 * user namespaces; what it opens is our own escaped HTML, with JavaScript disabled and every
 * request refused. /dev/shm in a container is small, hence `--disable-dev-shm-usage`.
 */
const CHROMIUM_ARGS = [
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-extensions',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--mute-audio',
];

export interface PrintableDocument {
  /** The renderer's print-ready HTML, unchanged but for its <title>. */
  html: string;
  /** The PDF's title metadata: the kind of document, no reference and no names. */
  title: string;
}

const unavailable = (message: string, reason: string) =>
  new ApiError('unavailable', `PDF printing is unavailable: ${message}`, { reason });

/**
 * Prints the records' own HTML to PDF in headless Chromium: one browser, started on the first
 * document and kept for the next; each document in a fresh context (no cookies or cache shared
 * between documents) with JavaScript disabled and the network refused, since the documents are
 * self-contained. A few at a time, each within a time limit; closed with the application.
 * When Chromium is missing or will not start, the caller gets 503 naming the cause, and the HTML
 * routes, which do not come here, keep working.
 */
@Injectable()
export class PdfPrinter implements OnApplicationShutdown {
  private browser: Promise<Browser> | null = null;
  private printing = 0;
  private readonly waiting: Array<() => void> = [];
  private shuttingDown = false;

  constructor(@Inject(PDF_PRINTER_SETTINGS) private readonly settings: PdfPrinterSettings) {}

  async print(doc: PrintableDocument): Promise<Buffer> {
    if (this.shuttingDown) throw unavailable('the server is shutting down', 'pdf-printer-stopping');
    const html = withDocumentTitle(doc.html, doc.title);
    const deadline = Date.now() + this.settings.timeoutMs;
    await this.takeSlot(deadline);
    try {
      return await this.printWithin(html, deadline);
    } finally {
      this.releaseSlot();
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.shuttingDown = true;
    const browser = this.browser;
    this.browser = null;
    if (browser) await browser.then((b) => b.close()).catch(() => undefined);
  }

  // ---- slots: at most `concurrency` documents at once, a bounded queue behind them ----------

  private async takeSlot(deadline: number): Promise<void> {
    if (this.printing < this.settings.concurrency) {
      this.printing++;
      return;
    }
    if (this.waiting.length >= this.settings.maxWaiting)
      throw unavailable(
        `${this.waiting.length} documents are already waiting to be printed; try again shortly`,
        'pdf-printer-busy',
      );
    await new Promise<void>((resolve, reject) => {
      const granted = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        const at = this.waiting.indexOf(granted);
        if (at >= 0) this.waiting.splice(at, 1);
        reject(this.timedOut());
      }, deadline - Date.now());
      this.waiting.push(granted);
    });
  }

  /** A finished document hands its slot straight to the next in line, so the count stays put. */
  private releaseSlot(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.printing--;
  }

  private timedOut(): ApiError {
    return unavailable(
      `the document was not printed within ${inWords(this.settings.timeoutMs)}; try again shortly`,
      'pdf-printer-timeout',
    );
  }

  // ---- printing -----------------------------------------------------------------------------

  private async printWithin(html: string, deadline: number): Promise<Buffer> {
    let context: BrowserContext | null = null;
    let abandoned = false;
    const work = (async () => {
      const browser = await this.startedBrowser();
      const opened = await browser.newContext({
        javaScriptEnabled: false,
        offline: true,
        serviceWorkers: 'block',
        acceptDownloads: false,
      });
      context = opened;
      if (abandoned) {
        // The limit passed while the context opened, after the caller's clean-up had run.
        await opened.close().catch(() => undefined);
        throw this.timedOut();
      }
      await opened.route('**/*', (route) => route.abort('blockedbyclient'));
      const page = await opened.newPage();
      page.setDefaultTimeout(Math.max(1, deadline - Date.now()));
      await page.setContent(html, { waitUntil: 'load' });
      return page.pdf(pdfOptions());
    })();
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        abandoned = true;
        reject(this.timedOut());
      }, deadline - Date.now());
    });
    try {
      return await Promise.race([work, limit]);
    } catch (err) {
      if (err instanceof ApiError) throw err;
      if (err instanceof errors.TimeoutError) throw this.timedOut();
      // A browser that crashed is dropped by its 'disconnected' handler and started afresh for
      // the next document; one still connected is kept.
      logger.warn('pdf printing failed', { error: errorName(err) });
      throw unavailable('Chromium failed while printing the document', 'pdf-printer-failed');
    } finally {
      clearTimeout(timer);
      work.catch(() => undefined);
      await (context as BrowserContext | null)?.close().catch(() => undefined);
    }
  }

  private startedBrowser(): Promise<Browser> {
    if (!this.browser) {
      const starting = this.launch();
      this.browser = starting;
      starting.then(
        (browser) =>
          browser.on('disconnected', () => {
            if (this.browser === starting) this.browser = null;
          }),
        () => {
          // Not kept: the next document tries again (e.g. once the package is installed).
          if (this.browser === starting) this.browser = null;
        },
      );
    }
    return this.browser;
  }

  private async launch(): Promise<Browser> {
    const path = this.settings.executablePath;
    try {
      await access(path, constants.X_OK);
    } catch {
      logger.warn('pdf printer: chromium not found', { chromiumPath: path });
      throw unavailable(
        `no Chromium executable at ${path} (CHROMIUM_PATH); install Debian's chromium package or set CHROMIUM_PATH`,
        'pdf-printer-missing-browser',
      );
    }
    try {
      const started = Date.now();
      const browser = await chromium.launch({
        executablePath: path,
        args: CHROMIUM_ARGS,
        timeout: this.settings.timeoutMs,
      });
      logger.info('pdf printer: chromium started', {
        chromiumPath: path,
        version: browser.version(),
        ms: Date.now() - started,
      });
      return browser;
    } catch (err) {
      logger.warn('pdf printer: chromium failed to start', { chromiumPath: path, error: errorName(err) });
      throw unavailable(
        `Chromium at ${path} (CHROMIUM_PATH) failed to start: ${firstLine(err)}`,
        'pdf-printer-browser-failed',
      );
    }
  }
}

const inWords = (ms: number) => (ms >= 1000 ? `${Math.round(ms / 1000)} s` : `${ms} ms`);

function errorName(err: unknown): string {
  return err instanceof Error ? err.name : typeof err;
}

/** Playwright's launch errors start with a one-line cause and go on with a browser log. */
function firstLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return (
    message
      .split('\n')
      .map((l) => l.trim())
      .find(Boolean)
      ?.slice(0, 200) ?? 'unknown error'
  );
}
