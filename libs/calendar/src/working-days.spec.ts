import {
  addWorkingDays,
  addWorkingHours,
  bankHolidays,
  closeOfBusinessToday,
  countWorkingDays,
  DEFAULT_HOLIDAYS,
  isWorkingDay,
  localDateOf,
  parseGovUkBankHolidays,
  type Nation,
  workingMidpoint,
  workingTimeBetween,
  type WorkingDayOptions,
} from './index';
import { addDays } from './london-time';

const EW: WorkingDayOptions = { nation: 'england-and-wales' };
const SCOT: WorkingDayOptions = { nation: 'scotland' };
const NI: WorkingDayOptions = { nation: 'northern-ireland' };
const due = (from: string, days: number, options: WorkingDayOptions = EW) =>
  addWorkingDays(new Date(from), days, options).dueAt.toISOString();

describe('addWorkingDays: the required cases (England and Wales unless named)', () => {
  it('2 working days from Wed 24 Dec 2025 11:00 -> Tue 30 Dec 17:00 GMT', () => {
    expect(due('2025-12-24T11:00:00Z', 2)).toBe('2025-12-30T17:00:00.000Z');
  });

  it('5 working days from Thu 2 Apr 2026 15:00 BST -> Mon 13 Apr 17:00 BST (Easter)', () => {
    expect(due('2026-04-02T14:00:00Z', 5)).toBe('2026-04-13T16:00:00.000Z');
  });

  it('1 working day from Thu 24 Dec 2026 16:30 -> Tue 29 Dec (Boxing Day on Saturday: substitute Mon 28 Dec)', () => {
    const d = addWorkingDays(new Date('2026-12-24T16:30:00Z'), 1, EW);
    expect(d.dueAt.toISOString()).toBe('2026-12-29T17:00:00.000Z');
    expect(d.skippedHolidays).toEqual([
      { date: '2026-12-25', name: 'Christmas Day' },
      { date: '2026-12-28', name: 'Boxing Day (substitute day)' },
    ]);
  });

  it('2 working days from Fri 23 Oct 2026 12:00 BST -> Tue 27 Oct 17:00 GMT (clocks go back on 25 Oct)', () => {
    expect(due('2026-10-23T11:00:00Z', 2)).toBe('2026-10-27T17:00:00.000Z');
  });

  it('2 working days from Wed 31 Dec 2025 -> Mon 5 Jan 2026; in Scotland (2 January) -> Tue 6 Jan', () => {
    expect(due('2025-12-31T10:00:00Z', 2)).toBe('2026-01-05T17:00:00.000Z');
    expect(due('2025-12-31T10:00:00Z', 2, SCOT)).toBe('2026-01-06T17:00:00.000Z');
  });

  it('chains "a further 2 working days" from each previous deadline, over the spring bank holiday', () => {
    const step1 = addWorkingDays(new Date('2026-05-18T08:30:00Z'), 2, EW);
    expect(step1.dueAt.toISOString()).toBe('2026-05-20T16:00:00.000Z');
    const step2 = addWorkingDays(step1.dueAt, 2, EW);
    expect(step2.dueAt.toISOString()).toBe('2026-05-22T16:00:00.000Z');
    const step3 = addWorkingDays(step2.dueAt, 2, EW);
    expect(step3.dueAt.toISOString()).toBe('2026-05-27T16:00:00.000Z');
    expect(step3.skippedHolidays).toEqual([{ date: '2026-05-25', name: 'Spring bank holiday' }]);
    const step4 = addWorkingDays(step3.dueAt, 5, EW);
    expect(step4.dueAt.toISOString()).toBe('2026-06-03T16:00:00.000Z');
  });
});

describe('addWorkingDays: explanation', () => {
  it('names the deadline, the count, the start and the bank holidays skipped (not weekends)', () => {
    const d = addWorkingDays(new Date('2026-04-01T09:00:00Z'), 2, EW);
    expect(d.dueAt.toISOString()).toBe('2026-04-07T16:00:00.000Z');
    expect(d.explanation).toBe(
      'due Tue 7 Apr 17:00: 2 working days from Wed 1 Apr 10:00; ' +
        'Fri 3 Apr Good Friday and Mon 6 Apr Easter Monday are bank holidays',
    );
    expect(d.skippedHolidays).toEqual([
      { date: '2026-04-03', name: 'Good Friday' },
      { date: '2026-04-06', name: 'Easter Monday' },
    ]);
  });

  it('uses the singular, lists three or more with commas, and says nothing about holidays when none', () => {
    expect(addWorkingDays(new Date('2026-05-22T10:00:00Z'), 1, EW).explanation).toBe(
      'due Tue 26 May 17:00: 1 working day from Fri 22 May 11:00; Mon 25 May Spring bank holiday is a bank holiday',
    );
    expect(addWorkingDays(new Date('2025-12-24T11:00:00Z'), 4, SCOT).explanation).toBe(
      'due Mon 5 Jan 17:00: 4 working days from Wed 24 Dec 11:00; Thu 25 Dec Christmas Day, Fri 26 Dec Boxing Day, ' +
        'Thu 1 Jan New Year’s Day and Fri 2 Jan 2nd January are bank holidays',
    );
    expect(addWorkingDays(new Date('2026-10-23T11:00:00Z'), 2, EW).explanation).toBe(
      'due Tue 27 Oct 17:00: 2 working days from Fri 23 Oct 12:00',
    );
  });
});

describe('addWorkingDays: the counting rule', () => {
  it('never counts the day of the start instant, whatever the time', () => {
    const times = [
      '2026-03-10T00:05:00Z',
      '2026-03-10T08:00:00Z',
      '2026-03-10T16:59:00Z',
      '2026-03-10T23:30:00Z',
    ];
    for (const t of times) expect(due(t, 1)).toBe('2026-03-11T17:00:00.000Z');
  });

  it('takes the calendar day in London: 23:30 UTC on 30 Jun is 1 Jul in BST', () => {
    expect(due('2026-06-30T23:30:00Z', 1)).toBe('2026-07-02T16:00:00.000Z');
  });

  it('from a weekend or bank holiday counts the next working days, and does not list the start day', () => {
    expect(due('2026-04-04T10:00:00Z', 1)).toBe('2026-04-07T16:00:00.000Z'); // Sat -> Tue (Easter Monday)
    const fromGoodFriday = addWorkingDays(new Date('2026-04-03T10:00:00Z'), 1, EW);
    expect(fromGoodFriday.dueAt.toISOString()).toBe('2026-04-07T16:00:00.000Z');
    expect(fromGoodFriday.skippedHolidays).toEqual([{ date: '2026-04-06', name: 'Easter Monday' }]);
  });

  it('ends at the configured close of business', () => {
    const opts: WorkingDayOptions = {
      nation: 'england-and-wales',
      businessHours: { start: '08:30', end: '16:30' },
    };
    expect(due('2026-07-06T10:00:00Z', 1, opts)).toBe('2026-07-07T15:30:00.000Z');
  });

  it('0 working days is close of business today ("immediately")', () => {
    const from = new Date('2026-04-02T09:00:00Z');
    expect(addWorkingDays(from, 0, EW)).toEqual(closeOfBusinessToday(from, EW));
    expect(addWorkingDays(from, 0, EW).dueAt.toISOString()).toBe('2026-04-02T16:00:00.000Z');
  });

  it('lands on a working day after the start day, with only non-working days in between (every day of 2026, all nations)', () => {
    const nations: Nation[] = ['england-and-wales', 'scotland', 'northern-ireland'];
    for (const nation of nations) {
      for (let day = '2026-01-01'; day <= '2026-12-31'; day = addDays(day, 1)) {
        const d = addWorkingDays(new Date(`${day}T11:00:00Z`), 1, { nation });
        const end = localDateOf(d.dueAt);
        expect(isWorkingDay(end, nation)).toBe(true);
        for (let between = addDays(day, 1); between < end; between = addDays(between, 1)) {
          expect(isWorkingDay(between, nation)).toBe(false);
        }
      }
    }
  });

  it('is deterministic and does not touch its arguments', () => {
    const from = new Date('2026-12-24T16:30:00Z');
    const opts: WorkingDayOptions = { nation: 'england-and-wales' };
    const a = addWorkingDays(from, 3, opts);
    const b = addWorkingDays(from, 3, opts);
    expect(a).toEqual(b);
    expect(from.toISOString()).toBe('2026-12-24T16:30:00.000Z');
    expect(opts).toEqual({ nation: 'england-and-wales' });
  });
});

describe('Northern Ireland', () => {
  it("St Patrick's Day, 17 March", () => {
    expect(isWorkingDay('2026-03-17', 'northern-ireland')).toBe(false);
    expect(isWorkingDay('2026-03-17', 'england-and-wales')).toBe(true);
    expect(due('2026-03-16T10:00:00Z', 1, NI)).toBe('2026-03-18T17:00:00.000Z');
    expect(due('2026-03-16T10:00:00Z', 1, EW)).toBe('2026-03-17T17:00:00.000Z');
    // 17 Mar 2024 was a Sunday: substitute Mon 18 Mar
    expect(isWorkingDay('2024-03-18', 'northern-ireland')).toBe(false);
  });

  it('Battle of the Boyne, 12 July, with its substitute when the 12th is at a weekend', () => {
    expect(isWorkingDay('2027-07-12', 'northern-ireland')).toBe(false);
    expect(isWorkingDay('2025-07-14', 'northern-ireland')).toBe(false); // 12 Jul 2025 Saturday
    const d = addWorkingDays(new Date('2026-07-10T10:00:00Z'), 1, NI); // 12 Jul 2026 is a Sunday
    expect(d.dueAt.toISOString()).toBe('2026-07-14T16:00:00.000Z');
    expect(d.explanation).toBe(
      'due Tue 14 Jul 17:00: 1 working day from Fri 10 Jul 11:00; ' +
        'Mon 13 Jul Battle of the Boyne (Orangemen’s Day) (substitute day) is a bank holiday',
    );
    expect(due('2026-07-10T10:00:00Z', 1, EW)).toBe('2026-07-13T16:00:00.000Z');
  });
});

describe('Scotland', () => {
  it('2 January is a bank holiday, with a substitute when it falls at a weekend', () => {
    expect(isWorkingDay('2026-01-02', 'scotland')).toBe(false);
    expect(isWorkingDay('2026-01-02', 'england-and-wales')).toBe(true);
    expect(isWorkingDay('2027-01-04', 'scotland')).toBe(false); // 2 Jan 2027 Saturday
    expect(bankHolidays('scotland').filter((h) => h.date.startsWith('2022-01'))).toEqual([
      { date: '2022-01-03', name: 'New Year’s Day (substitute day)' },
      { date: '2022-01-04', name: '2nd January (substitute day)' },
    ]);
  });

  it("St Andrew's Day, 30 November, and its substitute Monday", () => {
    expect(due('2026-11-27T10:00:00Z', 1, SCOT)).toBe('2026-12-01T17:00:00.000Z'); // Mon 30 Nov 2026
    expect(due('2026-11-27T10:00:00Z', 1, EW)).toBe('2026-11-30T17:00:00.000Z');
    const d = addWorkingDays(new Date('2025-11-28T10:00:00Z'), 1, SCOT); // 30 Nov 2025 is a Sunday
    expect(d.dueAt.toISOString()).toBe('2025-12-02T17:00:00.000Z');
    expect(d.skippedHolidays).toEqual([{ date: '2025-12-01', name: 'St Andrew’s Day (substitute day)' }]);
  });

  it('Easter Monday is a working day; the summer holiday is the first Monday of August', () => {
    expect(due('2026-04-03T10:00:00Z', 1, SCOT)).toBe('2026-04-06T16:00:00.000Z');
    expect(isWorkingDay('2026-08-03', 'scotland')).toBe(false);
    expect(isWorkingDay('2026-08-31', 'scotland')).toBe(true);
    expect(isWorkingDay('2026-08-31', 'england-and-wales')).toBe(false);
  });
});

describe('addWorkingHours', () => {
  it('counts clock hours inside business hours on working days only', () => {
    const d = addWorkingHours(new Date('2026-04-02T14:00:00Z'), 4, EW); // Thu 15:00 BST, Easter follows
    expect(d.dueAt.toISOString()).toBe('2026-04-07T10:00:00.000Z'); // 2 h Thu + 2 h Tue -> Tue 11:00 BST
    expect(d.explanation).toBe(
      'due Tue 7 Apr 11:00: 4 working hours (09:00-17:00 on working days) from Thu 2 Apr 15:00; ' +
        'Fri 3 Apr Good Friday and Mon 6 Apr Easter Monday are bank holidays',
    );
  });

  it('starts at the next opening when outside business hours, and ends at close when the count runs out there', () => {
    expect(addWorkingHours(new Date('2026-03-10T07:00:00Z'), 8, EW).dueAt.toISOString()).toBe(
      '2026-03-10T17:00:00.000Z',
    );
    expect(addWorkingHours(new Date('2026-03-10T18:00:00Z'), 1, EW).dueAt.toISOString()).toBe(
      '2026-03-11T10:00:00.000Z',
    );
    expect(addWorkingHours(new Date('2026-03-10T17:00:00Z'), 1, EW).dueAt.toISOString()).toBe(
      '2026-03-11T10:00:00.000Z',
    );
    expect(addWorkingHours(new Date('2026-03-10T16:30:00Z'), 0.5, EW).dueAt.toISOString()).toBe(
      '2026-03-10T17:00:00.000Z',
    );
    expect(addWorkingHours(new Date('2026-03-10T12:00:00Z'), 0, EW).dueAt.toISOString()).toBe(
      '2026-03-10T12:00:00.000Z',
    );
  });

  it('24 and 48 hours as clock hours in business hours (3 and 6 working days of 8 hours)', () => {
    expect(addWorkingHours(new Date('2026-03-09T09:00:00Z'), 24, EW).dueAt.toISOString()).toBe(
      '2026-03-11T17:00:00.000Z',
    );
    expect(addWorkingHours(new Date('2026-03-09T09:00:00Z'), 48, EW).dueAt.toISOString()).toBe(
      '2026-03-16T17:00:00.000Z',
    );
  });

  it('crosses the clock change: Fri 23 Oct 16:00 BST + 2 h -> Mon 26 Oct 10:00 GMT', () => {
    expect(addWorkingHours(new Date('2026-10-23T15:00:00Z'), 2, EW).dueAt.toISOString()).toBe(
      '2026-10-26T10:00:00.000Z',
    );
  });

  it('lists a bank holiday on the start day as skipped', () => {
    const d = addWorkingHours(new Date('2026-12-25T10:00:00Z'), 1, EW);
    expect(d.dueAt.toISOString()).toBe('2026-12-29T10:00:00.000Z');
    expect(d.skippedHolidays.map((h) => h.date)).toEqual(['2026-12-25', '2026-12-28']);
  });
});

describe('closeOfBusinessToday ("immediately")', () => {
  it('is close of business today on a working day before close', () => {
    const d = closeOfBusinessToday(new Date('2026-04-01T06:00:00Z'), EW);
    expect(d.dueAt.toISOString()).toBe('2026-04-01T16:00:00.000Z');
    expect(d.explanation).toBe('due Wed 1 Apr 17:00: close of business on the day of Wed 1 Apr 07:00');
    expect(d.skippedHolidays).toEqual([]);
  });

  it('is close of business on the next working day from close of business on', () => {
    const atClose = closeOfBusinessToday(new Date('2026-04-02T16:00:00Z'), EW); // Thu 17:00 BST exactly
    expect(atClose.dueAt.toISOString()).toBe('2026-04-07T16:00:00.000Z');
    expect(atClose.explanation).toBe(
      'due Tue 7 Apr 17:00: close of business on the next working day, as Thu 2 Apr 17:00 is after close of business (17:00); ' +
        'Fri 3 Apr Good Friday and Mon 6 Apr Easter Monday are bank holidays',
    );
    expect(closeOfBusinessToday(new Date('2026-04-02T15:59:00Z'), EW).dueAt.toISOString()).toBe(
      '2026-04-02T16:00:00.000Z',
    );
  });

  it('is close of business on the next working day from a weekend or bank holiday, listing that holiday', () => {
    expect(closeOfBusinessToday(new Date('2026-03-07T10:00:00Z'), EW).dueAt.toISOString()).toBe(
      '2026-03-09T17:00:00.000Z',
    );
    const d = closeOfBusinessToday(new Date('2026-12-25T10:00:00Z'), EW);
    expect(d.dueAt.toISOString()).toBe('2026-12-29T17:00:00.000Z');
    expect(d.skippedHolidays.map((h) => h.date)).toEqual(['2026-12-25', '2026-12-28']);
    expect(d.explanation).toMatch(/as Fri 25 Dec 10:00 is not a working day; Fri 25 Dec Christmas Day and/);
  });
});

describe('holiday data and options', () => {
  it('bankHolidays lists the weekday holidays of a nation, sorted, as a copy', () => {
    const ew2026 = bankHolidays('england-and-wales').filter((h) => h.date.startsWith('2026'));
    expect(ew2026.map((h) => h.date)).toEqual([
      '2026-01-01',
      '2026-04-03',
      '2026-04-06',
      '2026-05-04',
      '2026-05-25',
      '2026-08-31',
      '2026-12-25',
      '2026-12-28',
    ]);
    const list = bankHolidays('england-and-wales');
    list.pop();
    expect(bankHolidays('england-and-wales').length).toBe(list.length + 1);
    expect(DEFAULT_HOLIDAYS.version).toMatch(/^\d{4}-\d{2}-\d{2}/);
  });

  it('counts with a HolidaySet passed in options', () => {
    const govUk = (events: object[]) => ({ division: '', events });
    const doc = {
      'england-and-wales': govUk([{ title: 'Extra day', date: '2026-03-11', notes: '', bunting: true }]),
      scotland: govUk([{ title: 'X', date: '2026-01-01', notes: '', bunting: true }]),
      'northern-ireland': govUk([{ title: 'X', date: '2026-01-01', notes: '', bunting: true }]),
    };
    doc['england-and-wales'].division = 'england-and-wales';
    doc.scotland.division = 'scotland';
    doc['northern-ireland'].division = 'northern-ireland';
    const holidays = parseGovUkBankHolidays(doc);
    const d = addWorkingDays(new Date('2026-03-10T10:00:00Z'), 1, { nation: 'england-and-wales', holidays });
    expect(d.dueAt.toISOString()).toBe('2026-03-12T17:00:00.000Z');
    expect(d.skippedHolidays).toEqual([{ date: '2026-03-11', name: 'Extra day' }]);
    expect(isWorkingDay('2026-03-11', 'england-and-wales', holidays)).toBe(false);
    expect(() => isWorkingDay('2027-01-04', 'england-and-wales', holidays)).toThrow(
      /covers 2026-01-01 to 2026-12-31/,
    );
  });
});

describe('errors', () => {
  it('a date outside the data range throws, naming the range', () => {
    expect(() => addWorkingDays(new Date('2045-12-29T10:00:00Z'), 5, EW)).toThrow(
      /2046-01-01 is outside the bank holiday data for england-and-wales, which covers 2018-01-01 to 2045-12-31 \(data version /,
    );
    expect(() => addWorkingDays(new Date('2017-12-29T10:00:00Z'), 1, EW)).toThrow(
      /covers 2018-01-01 to 2045-12-31/,
    );
    expect(() => isWorkingDay('2046-01-02', 'scotland')).toThrow(
      /outside the bank holiday data for scotland/,
    );
    expect(() => closeOfBusinessToday(new Date('2046-01-02T10:00:00Z'), NI)).toThrow(
      /covers 2018-01-01 to 2045-12-31/,
    );
    expect(() => addWorkingHours(new Date('2045-12-31T16:00:00Z'), 2, EW)).toThrow(
      /covers 2018-01-01 to 2045-12-31/,
    );
  });

  it('invalid input throws a clear error', () => {
    expect(() => addWorkingDays(new Date(NaN), 2, EW)).toThrow('from is an invalid Date (NaN)');
    expect(() => addWorkingDays(new Date('2026-03-10T10:00:00Z'), -1, EW)).toThrow(
      'days must not be negative, got -1',
    );
    expect(() => addWorkingDays(new Date('2026-03-10T10:00:00Z'), 1.5, EW)).toThrow(
      'days must be a whole number, got 1.5',
    );
    expect(() => addWorkingDays(new Date('2026-03-10T10:00:00Z'), NaN, EW)).toThrow(
      'days must be a finite number',
    );
    expect(() => addWorkingHours(new Date('2026-03-10T10:00:00Z'), -2, EW)).toThrow(
      'hours must not be negative',
    );
    expect(() => closeOfBusinessToday(new Date(NaN), EW)).toThrow(/invalid Date/);
    expect(() => addWorkingDays('2026-03-10' as unknown as Date, 1, EW)).toThrow(
      'from must be a Date, got "2026-03-10"',
    );
    expect(() => addWorkingDays(new Date('2026-03-10T10:00:00Z'), 1, { nation: 'wales' as Nation })).toThrow(
      /nation must be one of "england-and-wales", "scotland", "northern-ireland", got "wales"/,
    );
    expect(() =>
      addWorkingDays(new Date('2026-03-10T10:00:00Z'), 1, {
        ...EW,
        businessHours: { start: '17:00', end: '09:00' },
      }),
    ).toThrow('businessHours.start (17:00) must be before businessHours.end (09:00)');
    expect(() =>
      addWorkingDays(new Date('2026-03-10T10:00:00Z'), 1, {
        ...EW,
        businessHours: { start: '9am', end: '17:00' },
      }),
    ).toThrow(/businessHours.start must be a local time "HH:MM"/);
    expect(() => isWorkingDay('2026-02-30', 'england-and-wales')).toThrow(/not a real calendar date/);
    expect(() => bankHolidays('england' as Nation)).toThrow(/nation must be one of/);
  });
});

describe(countWorkingDays.name, () => {
  it('counts the working days after the first date up to and including the last', () => {
    // Mon 18 May 2026 to Fri 22 May: Tue, Wed, Thu, Fri.
    expect(countWorkingDays('2026-05-18', '2026-05-22', 'england-and-wales')).toBe(4);
    // Fri 22 May to Tue 26 May 2026: the weekend and the spring bank holiday (Mon 25) are skipped.
    expect(countWorkingDays('2026-05-22', '2026-05-26', 'england-and-wales')).toBe(1);
  });

  it('counts a nation’s own bank holidays only (St Patrick’s Day in Northern Ireland)', () => {
    expect(countWorkingDays('2026-03-16', '2026-03-18', 'northern-ireland')).toBe(1);
    expect(countWorkingDays('2026-03-16', '2026-03-18', 'england-and-wales')).toBe(2);
  });

  it('is 0 on the same day or backwards, and refuses dates outside the data', () => {
    expect(countWorkingDays('2026-05-18', '2026-05-18', 'scotland')).toBe(0);
    expect(countWorkingDays('2026-05-22', '2026-05-18', 'scotland')).toBe(0);
    expect(() => countWorkingDays('2026-05-18', '2099-01-05', 'scotland')).toThrow();
  });
});

describe('workingMidpoint', () => {
  const ew = { nation: 'england-and-wales' as const };

  it('falls in working time across a weekend, where the calendar midpoint is a Saturday night', () => {
    // Raised Thursday 10:00, due Tuesday 17:00: the calendar midpoint is Saturday 13:30.
    const from = new Date('2026-05-07T09:00:00Z'); // Thu 10:00 BST
    const to = new Date('2026-05-12T16:00:00Z'); // Tue 17:00 BST
    // Working time: Thu 7 h, Fri 8 h, Mon 8 h, Tue 8 h = 31 h; half is 15 h 30 min:
    // Thu 7 h, Fri 8 h, then Mon 09:00 + 30 min.
    expect(workingTimeBetween(from, to, ew)).toBe(31 * 3_600_000);
    expect(workingMidpoint(from, to, ew)?.toISOString()).toBe('2026-05-11T08:30:00.000Z');
  });

  it('skips a bank holiday (the spring bank holiday, Monday 25 May 2026)', () => {
    const from = new Date('2026-05-22T08:00:00Z'); // Fri 09:00 BST
    const to = new Date('2026-05-27T16:00:00Z'); // Wed 17:00 BST
    // Fri 8 h, (Mon is a holiday), Tue 8 h, Wed 8 h = 24 h; half is 12 h: Fri 8 h, Tue 09:00 + 4 h.
    expect(workingTimeBetween(from, to, ew)).toBe(24 * 3_600_000);
    expect(workingMidpoint(from, to, ew)?.toISOString()).toBe('2026-05-26T12:00:00.000Z');
  });

  it('is null when there is no working time in between', () => {
    expect(
      workingMidpoint(new Date('2026-05-09T09:00:00Z'), new Date('2026-05-10T20:00:00Z'), ew),
    ).toBeNull();
    expect(workingTimeBetween(new Date('2026-05-12T16:00:00Z'), new Date('2026-05-07T09:00:00Z'), ew)).toBe(
      0,
    );
  });
});
