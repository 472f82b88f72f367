/**
 * The bank-holiday data shipped with this lib (data/uk-bank-holidays.json), validated once at
 * import. Imported as a JSON module, not read with `fs`, so the lib bundles with webpack (the
 * Temporal workflow bundler) and does no I/O at call time.
 */
import data from '../data/uk-bank-holidays.json';
import { parseGovUkBankHolidays } from './holiday-data';
import type { HolidaySet } from './types';

export const DEFAULT_HOLIDAYS: HolidaySet = parseGovUkBankHolidays(data);
