import { execFile } from 'node:child_process';

/** What a test reads back from a printed PDF. */
export interface PdfReadBack {
  /** Page size in points, and the text in reading order. */
  pages: { width: number; height: number; text: string }[];
  /** The Info dictionary's Title. */
  title: string | null;
}

/**
 * pdf-parse (pdf.js) in a plain Node process: pdf.js starts its worker with a dynamic import(),
 * which jest's CommonJS runtime refuses without --experimental-vm-modules. The PDF goes in on
 * standard input and JSON comes back.
 */
const READER = `
const { PDFParse } = require(process.argv[1]);
const chunks = [];
process.stdin.on('data', (c) => chunks.push(c));
process.stdin.on('end', async () => {
  const parser = new PDFParse({ data: new Uint8Array(Buffer.concat(chunks)) });
  try {
    const info = await parser.getInfo({ parsePageInfo: true });
    const text = await parser.getText();
    process.stdout.write(JSON.stringify({
      title: (info.info && info.info.Title) || null,
      pages: info.pages.map((p, i) => ({ width: p.width, height: p.height, text: text.pages[i].text })),
    }));
  } finally {
    await parser.destroy();
  }
});
`;

export function readPdf(pdf: Buffer): Promise<PdfReadBack> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      process.execPath,
      ['-e', READER, require.resolve('pdf-parse')],
      { maxBuffer: 64 * 1024 * 1024, timeout: 60_000 },
      (err, stdout, stderr) => {
        if (err) return reject(new Error(`reading the PDF failed: ${stderr || err.message}`));
        resolve(JSON.parse(stdout) as PdfReadBack);
      },
    );
    child.stdin!.end(pdf);
  });
}

/** A4 in points (210 x 297 mm), either way round, within Chromium's rounding. */
export function isA4(page: { width: number; height: number }): boolean {
  const [short, long] = [page.width, page.height].sort((a, b) => a - b);
  return Math.abs(short - 595.28) < 2 && Math.abs(long - 841.89) < 2;
}
