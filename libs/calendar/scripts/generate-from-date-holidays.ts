/**
 * Generates libs/calendar/data/uk-bank-holidays.json from the `date-holidays` package, in the
 * GOV.UK bank-holidays.json format, for the years GOV.UK's own feed does not (or no longer)
 * lists. Run from the repository root:
 *
 *   node -r ./infra/runtime/register.js libs/calendar/scripts/generate-from-date-holidays.ts \
 *     [--from 2018] [--to 2030] [--version YYYY-MM-DD] [--out path]
 *
 * What it does, and why:
 * - GB regions ENG and WLS -> "england-and-wales" (the two must agree, else it stops),
 *   SCT -> "scotland", NIR -> "northern-ireland".
 * - Keeps public/bank holidays only (date-holidays also lists observances such as Mother's Day,
 *   which are not days off).
 * - Drops entries dated on a Saturday or Sunday: date-holidays lists both the day itself and its
 *   substitute (Boxing Day Sat 26 Dec 2026 and Mon 28 Dec), GOV.UK lists only the weekday on which
 *   the bank holiday is actually taken.
 * - Writes GOV.UK's titles ("New Year’s Day", "2nd January", "Platinum Jubilee bank holiday") and
 *   marks substitutes with notes "Substitute day" as GOV.UK does.
 * - Applies HAND_FIXES, where date-holidays differs from the official lists; each is documented in
 *   docs/calendar.md. A fix that no longer matches what date-holidays produces stops the script, so
 *   an upgrade of date-holidays cannot silently double-fix or un-fix a date.
 * After generating, run the calendar tests: data.spec.ts checks every year against the official
 * lists written out independently in test/official-bank-holidays.ts.
 */
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import Holidays from 'date-holidays';
import { validateGovUkFile, type GovUkEvent, type GovUkFile } from '../src/holiday-data';
import { serializeGovUkFile } from '../src/maintenance';
import { NATIONS, type Nation } from '../src/types';

const REGIONS: Record<Nation, string[]> = {
  'england-and-wales': ['ENG', 'WLS'],
  scotland: ['SCT'],
  'northern-ireland': ['NIR'],
};

/**
 * date-holidays English name (without " (substitute day)") -> GOV.UK title and bunting flag.
 * GOV.UK flies no bunting on Good Friday, the Battle of the Boyne or the Queen's state funeral.
 * An unknown name stops the script: a new holiday must be looked at by a person.
 */
const TITLES: Record<string, { title: string; bunting: boolean }> = {
  "New Year's Day": { title: 'New Year’s Day', bunting: true },
  'January 2nd': { title: '2nd January', bunting: true },
  "St Patrick's Day": { title: 'St Patrick’s Day', bunting: true },
  'St Patrick’s Day': { title: 'St Patrick’s Day', bunting: true },
  'Good Friday': { title: 'Good Friday', bunting: false },
  'Easter Monday': { title: 'Easter Monday', bunting: true },
  'Early May bank holiday': { title: 'Early May bank holiday', bunting: true },
  'Early May bank holiday (VE day)': { title: 'Early May bank holiday (VE day)', bunting: true },
  'Spring bank holiday': { title: 'Spring bank holiday', bunting: true },
  'Queen’s Platinum Jubilee': { title: 'Platinum Jubilee bank holiday', bunting: true },
  "Queen's Platinum Jubilee": { title: 'Platinum Jubilee bank holiday', bunting: true },
  "Queen Elizabeth's Funeral Day": {
    title: 'Bank Holiday for the State Funeral of Queen Elizabeth II',
    bunting: false,
  },
  "King Charles III's Coronation": {
    title: 'Bank holiday for the coronation of King Charles III',
    bunting: true,
  },
  'Battle of the Boyne (Orangemen’s Day)': { title: 'Battle of the Boyne (Orangemen’s Day)', bunting: false },
  "Battle of the Boyne (Orangemen's Day)": { title: 'Battle of the Boyne (Orangemen’s Day)', bunting: false },
  'Summer bank holiday': { title: 'Summer bank holiday', bunting: true },
  'St Andrew’s Day': { title: 'St Andrew’s Day', bunting: true },
  "St Andrew's Day": { title: 'St Andrew’s Day', bunting: true },
  'Christmas Day': { title: 'Christmas Day', bunting: true },
  'Boxing Day': { title: 'Boxing Day', bunting: true },
};

interface HandFix {
  nation: Nation;
  date: string;
  /** What date-holidays produces (after the normalisation above); absent = the date is missing. */
  from?: { title: string; notes: string };
  /** What the official list has; absent = the date is not a bank holiday. */
  to?: { title: string; notes: string };
  why: string;
}

const SUB = 'Substitute day';
const NYD = 'New Year’s Day';
const JAN2 = '2nd January';

/**
 * Differences from the official (GOV.UK) lists found when checking the output, 2018-2030.
 * All are Scottish New Year labels: when 1 or 2 January falls at a weekend, date-holidays gives
 * the right dates but attaches the names the other way round from GOV.UK. GOV.UK takes New Year's
 * Day first (e.g. 2022: Mon 3 Jan "New Year’s Day" substitute, Tue 4 Jan "2nd January"
 * substitute; 2023: Mon 2 Jan "New Year’s Day" substitute, Tue 3 Jan "2nd January" substitute).
 * The dates, which is what deadlines depend on, were right; only explanations would read wrong.
 */
const HAND_FIXES: HandFix[] = [
  ...(['2022', '2028'] as const).flatMap((y): HandFix[] => [
    {
      nation: 'scotland',
      date: `${y}-01-03`,
      from: { title: JAN2, notes: SUB },
      to: { title: NYD, notes: SUB },
      why: `1 and 2 Jan ${y} are Sat and Sun: GOV.UK takes New Year’s Day on Mon 3 Jan`,
    },
    {
      nation: 'scotland',
      date: `${y}-01-04`,
      from: { title: NYD, notes: SUB },
      to: { title: JAN2, notes: SUB },
      why: `1 and 2 Jan ${y} are Sat and Sun: GOV.UK takes 2nd January on Tue 4 Jan`,
    },
  ]),
  {
    nation: 'scotland',
    date: '2023-01-02',
    from: { title: JAN2, notes: '' },
    to: { title: NYD, notes: SUB },
    why: '1 Jan 2023 is a Sunday: GOV.UK takes New Year’s Day on Mon 2 Jan (substitute)',
  },
  {
    nation: 'scotland',
    date: '2023-01-03',
    from: { title: NYD, notes: SUB },
    to: { title: JAN2, notes: SUB },
    why: '1 Jan 2023 is a Sunday: GOV.UK takes 2nd January on Tue 3 Jan (substitute)',
  },
];

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function isWeekend(date: string): boolean {
  const d = new Date(`${date}T00:00:00Z`).getUTCDay();
  return d === 0 || d === 6;
}

function eventsFor(region: string, from: number, to: number): GovUkEvent[] {
  const hd = new Holidays('GB', region);
  const events: GovUkEvent[] = [];
  for (let year = from; year <= to; year++) {
    for (const h of hd.getHolidays(year)) {
      if (h.type !== 'public' && h.type !== 'bank') continue;
      const date = h.date.slice(0, 10);
      if (isWeekend(date)) continue;
      const substitute = h.substitute === true || h.name.endsWith(' (substitute day)');
      const base = h.name.replace(/ \(substitute day\)$/, '');
      const known = TITLES[base];
      if (!known)
        throw new Error(
          `${region} ${date}: unknown holiday name "${h.name}"; add it to TITLES after checking`,
        );
      events.push({ title: known.title, date, notes: substitute ? SUB : '', bunting: known.bunting });
    }
  }
  return events.sort((a, b) => (a.date < b.date ? -1 : 1));
}

function applyFix(events: GovUkEvent[], fix: HandFix): GovUkEvent[] {
  const i = events.findIndex((e) => e.date === fix.date);
  const found = i >= 0 ? { title: events[i].title, notes: events[i].notes } : undefined;
  if (JSON.stringify(found) !== JSON.stringify(fix.from)) {
    throw new Error(
      `hand fix ${fix.nation} ${fix.date} no longer applies: expected date-holidays to give ${JSON.stringify(fix.from)}, ` +
        `got ${JSON.stringify(found)}. Re-check the official list and update HAND_FIXES and docs/calendar.md.`,
    );
  }
  const rest = events.filter((e) => e.date !== fix.date);
  if (!fix.to) return rest;
  const bunting = i >= 0 ? events[i].bunting : true;
  const titleBunting = Object.values(TITLES).find((t) => t.title === fix.to!.title)?.bunting ?? bunting;
  return [...rest, { title: fix.to.title, date: fix.date, notes: fix.to.notes, bunting: titleBunting }].sort(
    (a, b) => (a.date < b.date ? -1 : 1),
  );
}

function main(): void {
  const from = Number(arg('from') ?? 2018);
  const to = Number(arg('to') ?? 2030);
  const version = arg('version') ?? new Date().toISOString().slice(0, 10);
  const out = path.resolve(arg('out') ?? path.join(__dirname, '..', 'data', 'uk-bank-holidays.json'));
  if (!Number.isInteger(from) || !Number.isInteger(to) || from > to)
    throw new Error('--from/--to must be years, from <= to');

  const dhVersion: string = require('date-holidays/package.json').version;
  const file = {
    version,
    source:
      `Generated from date-holidays ${dhVersion} (GB regions ENG/WLS, SCT, NIR; public holidays with substitute days; ` +
      `weekend-dated entries dropped; GOV.UK titles) for ${from}-${to}, with the hand fixes listed in docs/calendar.md; ` +
      `checked against the GOV.UK lists (https://www.gov.uk/bank-holidays) for ${from}-2027. ` +
      'Later years follow the standing rules and carry no one-off holidays until GOV.UK announces them: refresh from GOV.UK.',
  } as GovUkFile;

  const applied: HandFix[] = [];
  for (const nation of NATIONS) {
    const [first, ...others] = REGIONS[nation].map((r) => eventsFor(r, from, to));
    for (const [k, other] of others.entries()) {
      if (JSON.stringify(other) !== JSON.stringify(first)) {
        throw new Error(
          `${REGIONS[nation][0]} and ${REGIONS[nation][k + 1]} differ; ${nation} cannot be one division`,
        );
      }
    }
    let events = first;
    for (const fix of HAND_FIXES.filter(
      (f) => f.nation === nation && Number(f.date.slice(0, 4)) >= from && Number(f.date.slice(0, 4)) <= to,
    )) {
      events = applyFix(events, fix);
      applied.push(fix);
    }
    file[nation] = { division: nation, events };
  }

  const checked = validateGovUkFile(file);
  writeFileSync(out, serializeGovUkFile(checked));
  console.log(
    JSON.stringify(
      {
        written: path.relative(process.cwd(), out),
        version,
        events: Object.fromEntries(NATIONS.map((n) => [n, checked[n].events.length])),
        handFixes: applied.map((f) => ({
          nation: f.nation,
          date: f.date,
          from: f.from,
          to: f.to,
          why: f.why,
        })),
      },
      null,
      2,
    ),
  );
}

main();
