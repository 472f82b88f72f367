import { formatLocal } from '@resolve/calendar';
import { computeTimeline, getProtocol, UnknownProtocolError, type Protocol } from '@resolve/protocols';
import { loadProtocolFile, ProtocolFileError, ProtocolValidationError } from '@resolve/protocols/files';
import { parseCommandArgs, parseInstant, required, UsageError } from '../args';
import { EXIT, printJson, type Io } from '../io';

/**
 * `timeline --protocol <id> --from <ISO> [--urgent] [--immediate-risk] [--json]`: the schedule if
 * nobody acts and each tier is escalated at its deadline. `--file <path>` reads a protocol file
 * instead of a shipped id (to try a draft).
 */
export function timelineCommand(argv: string[], io: Io): number {
  const name = 'timeline';
  const { values } = parseCommandArgs(name, argv, {
    protocol: { type: 'string' },
    file: { type: 'string' },
    from: { type: 'string' },
    urgent: { type: 'boolean', default: false },
    'immediate-risk': { type: 'boolean', default: false },
  });
  if (values.protocol !== undefined && values.file !== undefined) {
    throw new UsageError(`${name}: give --protocol or --file, not both`);
  }
  const protocol =
    values.file !== undefined ? fromFile(values.file) : byId(required(name, 'protocol', values.protocol));
  const from = parseInstant(name, 'from', required(name, 'from', values.from));
  const options = { urgent: values.urgent === true, immediateRisk: values['immediate-risk'] === true };

  let timeline;
  try {
    timeline = computeTimeline(protocol, from, options);
  } catch (e) {
    if (e instanceof RangeError) throw new UsageError(`${name}: ${e.message}`);
    throw e;
  }

  if (values.json) {
    printJson(io, {
      protocol: timeline.protocol,
      tiers: timeline.tiers.map(({ tier, key, startsAt, dueAt }) => ({ tier, key, startsAt, dueAt })),
    });
    return EXIT.ok;
  }
  const mode = options.immediateRisk
    ? 'immediate risk (fast track)'
    : options.urgent
      ? 'urgent'
      : 'not urgent';
  const lines = [
    `${protocol.id}: ${protocol.title}`,
    `Raised ${formatLocal(from)} (${from.toISOString()}), ${mode}; nobody acts:`,
  ];
  for (const t of timeline.tiers) {
    const due = t.dueAt ? `due ${formatLocal(new Date(t.dueAt))} (${t.dueAt})` : 'no deadline';
    lines.push(
      `  ${t.tier}. ${t.key}${t.route ? ` [route ${t.route}]` : ''}: from ${formatLocal(new Date(t.startsAt))}, ${due}`,
    );
    lines.push(`     ${t.explanation}`);
  }
  io.out(`${lines.join('\n')}\n`);
  return EXIT.ok;
}

function byId(id: string): Protocol {
  try {
    return getProtocol(id);
  } catch (e) {
    if (e instanceof UnknownProtocolError) throw new UsageError(`timeline: --protocol: ${e.message}`);
    throw e;
  }
}

function fromFile(path: string): Protocol {
  try {
    return loadProtocolFile(path);
  } catch (e) {
    if (e instanceof ProtocolFileError || e instanceof ProtocolValidationError) {
      throw new UsageError(`timeline: --file: ${e.message}`);
    }
    throw e;
  }
}
