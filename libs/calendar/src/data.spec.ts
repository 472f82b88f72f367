import data from '../data/uk-bank-holidays.json';
import { officialBankHolidays, OFFICIAL_YEARS } from '../test/official-bank-holidays';
import { DEFAULT_HOLIDAYS, parseGovUkBankHolidays, type Nation } from './index';
import { validateGovUkFile } from './holiday-data';
import { dayOfWeek } from './london-time';

const NATIONS: Nation[] = ['england-and-wales', 'scotland', 'northern-ireland'];

describe('shipped data/uk-bank-holidays.json', () => {
  it('is GOV.UK format with a version and a source', () => {
    expect(data.version).toMatch(/^\d{4}-\d{2}-\d{2}/);
    expect(data.source.length).toBeGreaterThan(20);
    for (const nation of NATIONS) expect(data[nation].division).toBe(nation);
    expect(DEFAULT_HOLIDAYS.version).toBe(data.version);
    expect(DEFAULT_HOLIDAYS.source).toBe(data.source);
  });

  it.each(NATIONS)('%s matches the official list 2018-2030 date for date, title for title', (nation) => {
    const file = validateGovUkFile(data);
    const official = officialBankHolidays(nation);
    const shipped = file[nation].events
      .filter(
        (e) =>
          Number(e.date.slice(0, 4)) >= OFFICIAL_YEARS.from &&
          Number(e.date.slice(0, 4)) <= OFFICIAL_YEARS.to,
      )
      .map((e) => ({ date: e.date, title: e.title, notes: e.notes }));
    expect(shipped).toEqual(official);
  });

  it('covers at least 2018-01-01 to 2030-12-31 for every nation, with weekday dates only', () => {
    for (const nation of NATIONS) {
      const list = DEFAULT_HOLIDAYS.divisions[nation];
      expect(list[0].date.slice(0, 4) <= '2018').toBe(true);
      expect(list[list.length - 1].date.slice(0, 4) >= '2030').toBe(true);
      for (const h of list) expect([0, 6]).not.toContain(dayOfWeek(h.date));
    }
  });

  it('the one-off days are there', () => {
    const ew = new Map(DEFAULT_HOLIDAYS.divisions['england-and-wales'].map((h) => [h.date, h.name]));
    expect(ew.get('2020-05-08')).toBe('Early May bank holiday (VE day)');
    expect(ew.has('2020-05-04')).toBe(false);
    expect(ew.get('2022-06-02')).toBe('Spring bank holiday');
    expect(ew.get('2022-06-03')).toBe('Platinum Jubilee bank holiday');
    expect(ew.has('2022-05-30')).toBe(false);
    expect(ew.get('2022-09-19')).toBe('Bank Holiday for the State Funeral of Queen Elizabeth II');
    expect(ew.get('2023-05-08')).toBe('Bank holiday for the coronation of King Charles III');
  });
});

describe('parseGovUkBankHolidays', () => {
  const valid = () => ({
    'england-and-wales': {
      division: 'england-and-wales',
      events: [
        { title: 'Boxing Day', date: '2026-12-28', notes: 'Substitute day', bunting: true },
        { title: 'Christmas Day', date: '2026-12-25', notes: '', bunting: true },
      ],
    },
    scotland: {
      division: 'scotland',
      events: [{ title: 'St Andrew’s Day', date: '2026-11-30', notes: '', bunting: true }],
    },
    'northern-ireland': {
      division: 'northern-ireland',
      events: [{ title: 'St Patrick’s Day', date: '2026-03-17', notes: '', bunting: true }],
    },
  });

  it('reads the GOV.UK format, sorts by date and names substitutes', () => {
    const set = parseGovUkBankHolidays(valid());
    expect(set.divisions['england-and-wales']).toEqual([
      { date: '2026-12-25', name: 'Christmas Day' },
      { date: '2026-12-28', name: 'Boxing Day (substitute day)' },
    ]);
    expect(set.source).toBe('GOV.UK bank-holidays.json');
    expect(set.version).toMatch(/^content-fnv1a-[0-9a-f]{8}$/); // GOV.UK's file has no version
    expect(parseGovUkBankHolidays(valid()).version).toBe(set.version);
    expect(parseGovUkBankHolidays({ ...valid(), version: 'v9', source: 'test' })).toMatchObject({
      version: 'v9',
      source: 'test',
    });
    expect(Object.isFrozen(set.divisions.scotland[0])).toBe(true);
  });

  it.each([
    [
      'a missing division',
      (d: any) => {
        delete d.scotland;
      },
      '"scotland" must be an object {division, events}',
    ],
    [
      'a wrong division name',
      (d: any) => {
        d.scotland.division = 'wales';
      },
      '"scotland.division" must be "scotland", got "wales"',
    ],
    [
      'events not an array',
      (d: any) => {
        d.scotland.events = {};
      },
      '"scotland.events" must be an array',
    ],
    [
      'an empty division',
      (d: any) => {
        d.scotland.events = [];
      },
      '"scotland.events" must list at least one bank holiday',
    ],
    [
      'a missing title',
      (d: any) => {
        delete d['northern-ireland'].events[0].title;
      },
      '"northern-ireland.events[0].title" must be a non-empty string',
    ],
    [
      'a bad date',
      (d: any) => {
        d['england-and-wales'].events[1].date = '2026-13-01';
      },
      '"england-and-wales.events[1].date" must be a real date "YYYY-MM-DD", got "2026-13-01"',
    ],
    [
      'a number date',
      (d: any) => {
        d['england-and-wales'].events[1].date = 20261225;
      },
      '"england-and-wales.events[1].date" must be a date string',
    ],
    [
      'a repeated date',
      (d: any) => {
        d['england-and-wales'].events[1].date = '2026-12-28';
      },
      '"england-and-wales.events[1].date" repeats the date 2026-12-28',
    ],
    [
      'bunting not boolean',
      (d: any) => {
        d.scotland.events[0].bunting = 'yes';
      },
      '"scotland.events[0].bunting" must be true or false',
    ],
    [
      'notes not a string',
      (d: any) => {
        d.scotland.events[0].notes = 1;
      },
      '"scotland.events[0].notes" must be a string',
    ],
    [
      'an empty version',
      (d: any) => {
        d.version = '';
      },
      '"version" must be a non-empty string',
    ],
    [
      'a year missing in the middle',
      (d: any) => {
        d.scotland.events.push({ title: 'X', date: '2028-11-30', notes: '', bunting: true });
      },
      '"scotland.events" has no bank holidays in 2027 (between 2026 and 2028)',
    ],
  ])('throws naming the field for %s', (_what, mutate, message) => {
    const doc = valid();
    mutate(doc as any);
    expect(() => parseGovUkBankHolidays(doc)).toThrow(message);
  });

  it('throws for a document that is not an object', () => {
    expect(() => parseGovUkBankHolidays('x')).toThrow(
      'bank holidays JSON: "(root)" must be an object, got "x"',
    );
    expect(() => parseGovUkBankHolidays(null)).toThrow('"(root)" must be an object, got null');
  });
});
