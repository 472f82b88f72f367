import { UsageError } from './args';
import { calendarCommand } from './commands/calendar';
import { protocolsCommand } from './commands/protocols';
import { timelineCommand } from './commands/timeline';
import { EXIT, type Io } from './io';

export const USAGE = `Usage: npm run -s cli -- <command> [options]

Commands:
  calendar add-working-days --from <ISO-8601> --days <N> [--nation england-and-wales|scotland|northern-ireland]
      Close of business (17:00 Europe/London) on the N-th working day after the day of --from.
  timeline --protocol <id> --from <ISO-8601> [--urgent] [--immediate-risk]
  timeline --file <protocol.json> --from <ISO-8601> [--urgent] [--immediate-risk]
      Each tier's deadline if nobody acts and every tier is escalated at its deadline.
  protocols list
      The shipped protocols.
  protocols validate [file...]
      Validate protocol files (default: every shipped definition). Exit 1 if any is invalid.
  help

Every command takes --json: it then prints exactly one JSON object on stdout.
--from is an ISO-8601 instant with an offset, e.g. 2026-05-18T09:30:00+01:00 or 2026-05-18T08:30:00Z.
Bad arguments exit with code 2.
`;

const COMMANDS: Record<string, (argv: string[], io: Io) => number> = {
  calendar: calendarCommand,
  timeline: timelineCommand,
  protocols: protocolsCommand,
};

/** Runs one CLI command; returns the exit code. Never throws and never prints a stack. */
export function runCli(argv: string[], io: Io): number {
  const [command, ...rest] = argv;
  if (command === undefined) {
    io.err(USAGE);
    return EXIT.usage;
  }
  if (
    command === 'help' ||
    command === '--help' ||
    command === '-h' ||
    rest.includes('--help') ||
    rest.includes('-h')
  ) {
    io.out(USAGE);
    return EXIT.ok;
  }
  try {
    const run = COMMANDS[command];
    if (!run)
      throw new UsageError(
        `unknown command "${command}" (expected ${Object.keys(COMMANDS).join(', ')} or help)`,
      );
    return run(rest, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`resolve: ${e.message}\nRun "npm run -s cli -- help" for usage.\n`);
      return EXIT.usage;
    }
    io.err(`resolve: ${e instanceof Error ? e.message : String(e)}\n`);
    return EXIT.failed;
  }
}
