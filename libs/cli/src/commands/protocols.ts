import { basename, resolve } from 'node:path';
import { existsSync, statSync } from 'node:fs';
import { listProtocols } from '@resolve/protocols';
import {
  DEFINITIONS_DIR,
  loadProtocolFile,
  ProtocolFileError,
  protocolFilesIn,
  ProtocolValidationError,
} from '@resolve/protocols/files';
import { parseCommandArgs, UsageError } from '../args';
import { EXIT, printJson, type Io } from '../io';

/** `protocols list [--json]` and `protocols validate [file...] [--json]`. */
export function protocolsCommand(argv: string[], io: Io): number {
  const [sub, ...rest] = argv;
  switch (sub) {
    case 'list':
      return list(rest, io);
    case 'validate':
      return validate(rest, io);
    case undefined:
      throw new UsageError('protocols: a subcommand is required (list, validate)');
    default:
      throw new UsageError(`protocols: unknown subcommand "${sub}" (expected list or validate)`);
  }
}

function list(argv: string[], io: Io): number {
  const { values } = parseCommandArgs('protocols list', argv, {});
  const protocols = listProtocols().map((p) => ({
    id: p.id,
    version: p.version,
    title: p.title,
    partnership: p.partnership.name,
    audience: p.audience,
    nation: p.nation,
    tiers: new Set(p.tiers.map((t) => t.number)).size,
  }));
  if (values.json) {
    printJson(io, { protocols });
    return EXIT.ok;
  }
  const width = Math.max(...protocols.map((p) => p.id.length));
  io.out(
    protocols
      .map(
        (p) => `${p.id.padEnd(width)}  v${p.version}  ${p.audience.padEnd(8)}  ${p.tiers} tiers  ${p.title}`,
      )
      .join('\n') + '\n',
  );
  return EXIT.ok;
}

interface FileResult {
  file: string;
  valid: boolean;
  id?: string;
  errors?: string[];
}

/**
 * Validates the files given, or every shipped definition when none is given. Exit 0 when all are
 * valid, 1 when any is not, 2 when a named file cannot be read.
 */
function validate(argv: string[], io: Io): number {
  const { values, positionals } = parseCommandArgs('protocols validate', argv, {}, true);
  const shipped = positionals.length === 0;
  const files = shipped ? protocolFilesIn(DEFINITIONS_DIR) : positionals.map((f) => resolve(f));
  for (const [i, file] of files.entries()) {
    if (!existsSync(file))
      throw new UsageError(`protocols validate: ${positionals[i] ?? file}: no such file`);
    if (statSync(file).isDirectory())
      throw new UsageError(`protocols validate: ${positionals[i] ?? file}: is a directory`);
  }

  const results: FileResult[] = files.map((file, i) => {
    const shown = shipped ? basename(file) : positionals[i];
    try {
      const p = loadProtocolFile(file);
      // Shipped files are found by id (registry.ts), so each must be named <id>.json.
      if (shipped && basename(file) !== `${p.id}.json`) {
        return {
          file: shown,
          valid: false,
          id: p.id,
          errors: [`${basename(file)}: id: must match the file name`],
        };
      }
      return { file: shown, valid: true, id: p.id };
    } catch (e) {
      if (e instanceof ProtocolValidationError)
        return { file: shown, valid: false, errors: e.message.split('\n') };
      if (e instanceof ProtocolFileError) throw new UsageError(`protocols validate: ${e.message}`);
      throw e;
    }
  });
  const valid = results.every((r) => r.valid);

  if (values.json) {
    printJson(io, { valid, files: results });
  } else {
    for (const r of results) {
      if (r.valid) io.out(`ok       ${r.file} (${r.id})\n`);
      else io.out(`INVALID  ${r.file}\n${(r.errors ?? []).map((m) => `  ${m}\n`).join('')}`);
    }
    io.out(`${results.filter((r) => r.valid).length} of ${results.length} valid\n`);
  }
  return valid ? EXIT.ok : EXIT.failed;
}
