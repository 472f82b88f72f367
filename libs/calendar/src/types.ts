// Public types of the working-day calendar (re-exported from index.ts).

export type Nation = 'england-and-wales' | 'scotland' | 'northern-ireland';

/** The three bank-holiday divisions of the UK, as GOV.UK names them. */
export const NATIONS: readonly Nation[] = ['england-and-wales', 'scotland', 'northern-ireland'];

export interface BusinessHours {
  /** Local (Europe/London) opening time, "HH:MM". */
  start: string;
  /** Local close of business, "HH:MM": a working-day deadline ends here. */
  end: string;
}

export interface WorkingDayOptions {
  nation: Nation;
  businessHours?: BusinessHours; // default 09:00-17:00
  /** Bank-holiday data to count with; default DEFAULT_HOLIDAYS (the data shipped in this lib). */
  holidays?: HolidaySet;
}

export interface Deadline {
  dueAt: Date;
  /** Words a practitioner reads: "due Tue 7 Apr 17:00: 2 working days; Fri 3 Apr Good Friday ... are bank holidays". */
  explanation: string;
  /** Bank holidays skipped while counting (ISO dates), for the record. */
  skippedHolidays: { date: string; name: string }[];
}

/**
 * Bank holidays per nation, with the version and source of the data so a deadline can be traced
 * to the data it was computed with. Each list holds the weekdays that are bank holidays
 * (substitute days included, named e.g. "Boxing Day (substitute day)"), sorted by date. The data
 * covers whole calendar years: from 1 January of its first year to 31 December of its last.
 */
export type HolidaySet = {
  version: string;
  source: string;
  divisions: Record<Nation, { date: string; name: string }[]>;
};
