import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import data from '../data/uk-bank-holidays.json';
import { validateGovUkFile, type GovUkFile } from './holiday-data';
import { parseGovUkBankHolidays } from './index';
import { mergeGovUkFiles, serializeGovUkFile } from './maintenance';

const REPO = path.resolve(__dirname, '..', '..', '..');
const existing = () => validateGovUkFile(JSON.parse(JSON.stringify(data)));

/** What GOV.UK would serve: a window of years (2020-2027), no version or source, with some news. */
function govUkWindow(): GovUkFile {
  const file = existing();
  const doc = {} as GovUkFile;
  for (const nation of ['england-and-wales', 'scotland', 'northern-ireland'] as const) {
    doc[nation] = {
      division: nation,
      events: file[nation].events.filter((e) => e.date >= '2020-01-01' && e.date <= '2027-12-31'),
    };
  }
  // A one-off day announced for 2027, a date GOV.UK moved, and a renamed day.
  doc['england-and-wales'].events.push({
    title: 'Extra bank holiday',
    date: '2027-06-07',
    notes: '',
    bunting: true,
  });
  doc['northern-ireland'].events = doc['northern-ireland'].events.filter((e) => e.date !== '2027-07-12');
  doc['northern-ireland'].events.push({
    title: 'Battle of the Boyne (Orangemen’s Day)',
    date: '2027-07-13',
    notes: '',
    bunting: false,
  });
  const i = doc.scotland.events.findIndex((e) => e.date === '2026-11-30');
  doc.scotland.events[i] = { ...doc.scotland.events[i], title: 'St Andrew’s Day (renamed)' };
  return doc;
}

describe('mergeGovUkFiles', () => {
  it('replaces the years GOV.UK lists, keeps the others, and reports every change', () => {
    const result = mergeGovUkFiles(existing(), validateGovUkFile(govUkWindow()), {
      version: 'v-test',
      source: 'test',
    });
    expect(result.changed).toBe(true);
    expect(result.file.version).toBe('v-test');
    expect(result.changes['england-and-wales']).toEqual({
      added: [{ date: '2027-06-07', title: 'Extra bank holiday', notes: '' }],
      removed: [],
      renamed: [],
      keptYears: [2018, 2019, ...Array.from({ length: 2045 - 2028 + 1 }, (_, i) => 2028 + i)],
      coverage: { from: '2018-01-01', to: '2045-12-31' },
    });
    expect(result.changes['northern-ireland'].added).toEqual([
      { date: '2027-07-13', title: 'Battle of the Boyne (Orangemen’s Day)', notes: '' },
    ]);
    expect(result.changes['northern-ireland'].removed).toEqual([
      { date: '2027-07-12', title: 'Battle of the Boyne (Orangemen’s Day)', notes: '' },
    ]);
    expect(result.changes.scotland.renamed).toEqual([
      { date: '2026-11-30', from: 'St Andrew’s Day', to: 'St Andrew’s Day (renamed)' },
    ]);
    const merged = parseGovUkBankHolidays(result.file);
    expect(merged.divisions['england-and-wales'].some((h) => h.date === '2018-12-25')).toBe(true);
    expect(merged.divisions['england-and-wales'].some((h) => h.date === '2030-12-25')).toBe(true);
  });

  it('reports no change when GOV.UK agrees with the file', () => {
    const same = existing();
    delete same.version;
    delete same.source;
    const result = mergeGovUkFiles(existing(), same, { version: 'v2', source: 's' });
    expect(result.changed).toBe(false);
    expect(result.changes.scotland).toMatchObject({ added: [], removed: [], renamed: [], keptYears: [] });
  });

  it('refuses a merge that would leave a gap of years', () => {
    const later = validateGovUkFile({
      'england-and-wales': {
        division: 'england-and-wales',
        events: [{ title: 'X', date: '2047-01-01', notes: '', bunting: true }],
      },
      scotland: {
        division: 'scotland',
        events: [{ title: 'X', date: '2030-01-01', notes: '', bunting: true }],
      },
      'northern-ireland': {
        division: 'northern-ireland',
        events: [{ title: 'X', date: '2030-01-01', notes: '', bunting: true }],
      },
    });
    expect(() => mergeGovUkFiles(existing(), later, { version: 'v', source: 's' })).toThrow(
      '"england-and-wales.events" has no bank holidays in 2046',
    );
  });

  it('serializes to the same document it reads', () => {
    const text = serializeGovUkFile(existing());
    expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(existing())));
    expect(text).toBe(readFileSync(path.join(__dirname, '..', 'data', 'uk-bank-holidays.json'), 'utf8'));
  });
});

describe('scripts/refresh.ts --file (end to end; this machine has no internet)', () => {
  const run = (args: string[]) =>
    spawnSync(
      process.execPath,
      ['-r', './infra/runtime/register.js', 'libs/calendar/scripts/refresh.ts', ...args],
      {
        cwd: REPO,
        encoding: 'utf8',
      },
    );
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'calendar-refresh-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('merges a GOV.UK file into a copy of the data, writes it with a new version and prints the changes', () => {
    const out = path.join(dir, 'data.json');
    const input = path.join(dir, 'bank-holidays.json');
    writeFileSync(out, serializeGovUkFile(existing()));
    writeFileSync(input, JSON.stringify(govUkWindow()));
    const res = run(['--file', input, '--out', out, '--version', '2027-01-15']);
    expect(res.stderr).toBe('');
    expect(res.status).toBe(0);
    const report = JSON.parse(res.stdout);
    expect(report).toMatchObject({
      written: true,
      changed: true,
      version: { before: data.version, after: '2027-01-15' },
    });
    expect(report.changes['england-and-wales'].added).toEqual([
      { date: '2027-06-07', title: 'Extra bank holiday', notes: '' },
    ]);
    const written = parseGovUkBankHolidays(JSON.parse(readFileSync(out, 'utf8')));
    expect(written.version).toBe('2027-01-15');
    expect(written.source).toContain('GOV.UK bank-holidays.json (file bank-holidays.json) for 2020-2027');
    expect(written.divisions['england-and-wales'].find((h) => h.date === '2027-06-07')?.name).toBe(
      'Extra bank holiday',
    );

    // Same input again: nothing changes, nothing is written.
    const again = JSON.parse(run(['--file', input, '--out', out]).stdout);
    expect(again).toMatchObject({
      written: false,
      changed: false,
      version: { before: '2027-01-15', after: '2027-01-15' },
    });
  });

  it('refuses an invalid file, naming the bad field, and leaves the data untouched', () => {
    const out = path.join(dir, 'data2.json');
    const input = path.join(dir, 'bad.json');
    const before = serializeGovUkFile(existing());
    writeFileSync(out, before);
    const bad = govUkWindow() as any;
    bad.scotland.events[2].date = '2024-02-30';
    writeFileSync(input, JSON.stringify(bad));
    const res = run(['--file', input, '--out', out]);
    expect(res.status).toBe(1);
    expect(res.stderr).toContain(
      '"scotland.events[2].date" must be a real date "YYYY-MM-DD", got "2024-02-30"',
    );
    expect(readFileSync(out, 'utf8')).toBe(before);
  });
});
