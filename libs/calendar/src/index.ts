// Public API of the working-day calendar (@resolve/calendar). Counting rule and data: docs/calendar.md.
export type { Nation, BusinessHours, WorkingDayOptions, Deadline, HolidaySet } from './types';
export {
  addWorkingDays,
  addWorkingHours,
  addCalendarDays,
  addClockHours,
  closeOfBusinessToday,
  isWorkingDay,
  countWorkingDays,
  workingTimeBetween,
  workingMidpoint,
  bankHolidays,
} from './working-days';
export { formatLocal, localDateOf, localInstant } from './london-time';
export { DEFAULT_HOLIDAYS } from './default-holidays';
export { parseGovUkBankHolidays } from './holiday-data';
