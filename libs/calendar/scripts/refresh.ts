/**
 * Refreshes libs/calendar/data/uk-bank-holidays.json from GOV.UK's bank-holidays.json.
 * Run from the repository root:
 *
 *   node -r ./infra/runtime/register.js libs/calendar/scripts/refresh.ts            # https://www.gov.uk/bank-holidays.json
 *   node -r ./infra/runtime/register.js libs/calendar/scripts/refresh.ts --url <url>
 *   node -r ./infra/runtime/register.js libs/calendar/scripts/refresh.ts --file <path>  # a saved copy (offline)
 *
 * Options: --out <path> (default: the shipped data file), --version <v> (default: today's UTC
 * date, with "-2", "-3"... appended if the file already has that version), --dry-run (print the
 * changes, write nothing).
 *
 * The input is validated with parseGovUkBankHolidays (an Error names the bad field and nothing is
 * written). Each calendar year GOV.UK lists replaces that year in the file; every other year is
 * kept from the existing file, because GOV.UK publishes only a window of recent years and older
 * deadlines must stay explainable. The file is written only when something changed. The changes
 * (dates added, removed or renamed per nation) are printed as JSON on stdout.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseGovUkBankHolidays, validateGovUkFile } from '../src/holiday-data';
import { mergeGovUkFiles, serializeGovUkFile } from '../src/maintenance';

const DEFAULT_URL = 'https://www.gov.uk/bank-holidays.json';

interface Args {
  url?: string;
  file?: string;
  out: string;
  version?: string;
  dryRun: boolean;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { out: path.join(__dirname, '..', 'data', 'uk-bank-holidays.json'), dryRun: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--url') args.url = value();
    else if (a === '--file') args.file = value();
    else if (a === '--out') args.out = value();
    else if (a === '--version') args.version = value();
    else if (a === '--dry-run') args.dryRun = true;
    else
      throw new Error(
        `unknown argument ${a}; use --url <url> | --file <path>, --out <path>, --version <v>, --dry-run`,
      );
  }
  if (args.url && args.file) throw new Error('give --url or --file, not both');
  args.out = path.resolve(args.out);
  return args;
}

async function readInput(args: Args): Promise<{ json: unknown; from: string }> {
  if (args.file) {
    const file = path.resolve(args.file);
    return { json: JSON.parse(readFileSync(file, 'utf8')), from: `file ${path.basename(file)}` };
  }
  const url = args.url ?? DEFAULT_URL;
  const res = await fetch(url, { headers: { accept: 'application/json' } });
  if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status}`);
  return { json: await res.json(), from: url };
}

function nextVersion(requested: string | undefined, previous: string | undefined): string {
  if (requested) return requested;
  const today = new Date().toISOString().slice(0, 10);
  if (previous !== today && !previous?.startsWith(`${today}-`)) return today;
  const n = previous === today ? 1 : Number(previous.slice(today.length + 1)) || 1;
  return `${today}-${n + 1}`;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const input = await readInput(args);
  parseGovUkBankHolidays(input.json); // validates; throws naming the bad field
  const incoming = validateGovUkFile(input.json);
  const existing = validateGovUkFile(JSON.parse(readFileSync(args.out, 'utf8')));

  const version = nextVersion(args.version, existing.version);
  const dates = Object.values(incoming)
    .flatMap((d) => (typeof d === 'object' ? d.events.map((e) => e.date) : []))
    .sort();
  const source =
    `GOV.UK bank-holidays.json (${input.from}) for ${dates[0].slice(0, 4)}-${dates[dates.length - 1].slice(0, 4)}, ` +
    `refreshed ${version}; other years kept from data version ${existing.version ?? 'unversioned'} ` +
    '(provenance of every version: docs/calendar.md and git history)';
  const result = mergeGovUkFiles(existing, incoming, { version, source });

  const write = result.changed && !args.dryRun;
  if (write) writeFileSync(args.out, serializeGovUkFile(result.file));
  console.log(
    JSON.stringify(
      {
        input: input.from,
        file: path.relative(process.cwd(), args.out),
        written: write,
        changed: result.changed,
        dryRun: args.dryRun,
        version: {
          before: existing.version ?? null,
          after: write ? version : (existing.version ?? null),
          proposed: version,
        },
        changes: result.changes,
      },
      null,
      2,
    ),
  );
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
