// Public API of the working-day calendar. Implementation in progress (see working-days.ts).
export type Nation = 'england-and-wales' | 'scotland' | 'northern-ireland';

export interface BusinessHours {
  /** Local (Europe/London) opening time, "HH:MM". */
  start: string;
  /** Local close of business, "HH:MM": a working-day deadline ends here. */
  end: string;
}

export interface WorkingDayOptions {
  nation: Nation;
  businessHours?: BusinessHours; // default 09:00-17:00
}

export interface Deadline {
  dueAt: Date;
  /** Words a practitioner reads: "due Tue 7 Apr 17:00: 2 working days; Fri 3 Apr Good Friday ... are bank holidays". */
  explanation: string;
  /** Bank holidays skipped while counting (ISO dates), for the record. */
  skippedHolidays: { date: string; name: string }[];
}
