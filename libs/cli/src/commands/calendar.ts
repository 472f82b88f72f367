import { addWorkingDays, type Deadline } from '@resolve/calendar';
import { parseCommandArgs, parseInstant, parseNation, parseWholeNumber, required, UsageError } from '../args';
import { EXIT, printJson, type Io } from '../io';

const NATION_NAMES = {
  'england-and-wales': 'England and Wales',
  scotland: 'Scotland',
  'northern-ireland': 'Northern Ireland',
} as const;

/** Ten years of working days: far beyond any protocol, and inside the bank holiday data. */
const MAX_DAYS = 2600;

/** `calendar add-working-days --from <ISO> --days <N> [--nation <nation>] [--json]` */
export function calendarCommand(argv: string[], io: Io): number {
  const [sub, ...rest] = argv;
  if (sub !== 'add-working-days') {
    throw new UsageError(
      sub === undefined
        ? 'calendar: a subcommand is required (add-working-days)'
        : `calendar: unknown subcommand "${sub}" (expected add-working-days)`,
    );
  }
  const name = 'calendar add-working-days';
  const { values } = parseCommandArgs(name, rest, {
    from: { type: 'string' },
    days: { type: 'string' },
    nation: { type: 'string' },
  });
  const from = parseInstant(name, 'from', required(name, 'from', values.from));
  const days = parseWholeNumber(name, 'days', required(name, 'days', values.days), MAX_DAYS);
  const nation = parseNation(name, values.nation);

  let deadline: Deadline;
  try {
    deadline = addWorkingDays(from, days, { nation });
  } catch (e) {
    // The calendar refuses instants outside its bank holiday data: that is the --from given.
    if (e instanceof RangeError || e instanceof TypeError) throw new UsageError(`${name}: ${e.message}`);
    throw e;
  }
  if (values.json) {
    printJson(io, { dueAt: deadline.dueAt.toISOString() });
  } else {
    const sentence = deadline.explanation.charAt(0).toUpperCase() + deadline.explanation.slice(1);
    io.out(
      `${sentence}.\n` +
        `That is ${deadline.dueAt.toISOString()}: close of business (17:00 Europe/London) on the ${ordinal(days)} working day ` +
        `after the day of ${from.toISOString()}, counting ${NATION_NAMES[nation]} bank holidays.\n`,
    );
  }
  return EXIT.ok;
}

function ordinal(n: number): string {
  const tens = n % 100;
  const suffix =
    tens >= 11 && tens <= 13
      ? 'th'
      : (({ 1: 'st', 2: 'nd', 3: 'rd' } as Record<number, string>)[n % 10] ?? 'th');
  return `${n}${suffix}`;
}
