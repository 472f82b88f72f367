/**
 * Records the replay fixtures: runs each scenario of ./scenarios.ts under the time-skipping
 * server (real bookkeeping activities on a throwaway Postgres, a recording notifier) and saves
 * its workflow history as JSON (the form `temporal workflow show --output json` writes) in
 * workflows/test/fixtures/histories/<scenario>.json.
 *
 *   eval "$(bash infra/provision/provision.sh --print-env)"
 *   node -r ./infra/runtime/register.js workflows/test/record-histories.ts            # missing ones
 *   node -r ./infra/runtime/register.js workflows/test/record-histories.ts NAME...    # these (if missing)
 *   node -r ./infra/runtime/register.js workflows/test/record-histories.ts --list
 *
 *   node -r ./infra/runtime/register.js workflows/test/record-histories.ts --tag T NAME...
 *        # NAME again, as it runs on today's code, saved as <NAME>@<T>.json beside the old one
 *
 * An existing fixture is never overwritten: it stands for workflows that ran the code it was
 * recorded with (docs/workflow-evolution.md). `--force` overwrites, for a fixture that was never
 * merged. After a patched change, `--tag <patch id>` records the new path of a scenario whose
 * old fixture must stay.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { testDataConverter } from '@resolve/testing';
import { startHarness } from './harness';
import { decodeHistoryPayloads, historyToJson } from './history-json';
import { runScenario, SCENARIOS } from './scenarios';

export const HISTORIES_DIR = path.join(__dirname, 'fixtures', 'histories');

async function main(argv: string[]): Promise<number> {
  const force = argv.includes('--force');
  const tagAt = argv.indexOf('--tag');
  const tag = tagAt >= 0 ? argv[tagAt + 1] : undefined;
  if (tagAt >= 0 && !(tag && /^[a-z0-9-]+$/.test(tag))) {
    process.stderr.write('--tag needs a name of lower-case letters, digits and hyphens (the patch id)\n');
    return 2;
  }
  const names = argv.filter((a, i) => !a.startsWith('--') && !(tagAt >= 0 && i === tagAt + 1));
  const fileOf = (name: string) => path.join(HISTORIES_DIR, `${name}${tag ? `@${tag}` : ''}.json`);
  if (argv.includes('--list')) {
    for (const s of SCENARIOS) {
      process.stdout.write(`${existsSync(fileOf(s.name)) ? 'recorded' : 'missing '}  ${s.name}\n`);
    }
    return 0;
  }
  const unknown = names.filter((n) => !SCENARIOS.some((s) => s.name === n));
  if (unknown.length) {
    process.stderr.write(`unknown scenario(s): ${unknown.join(', ')}; see --list\n`);
    return 2;
  }
  const chosen = SCENARIOS.filter((s) => names.length === 0 || names.includes(s.name));
  const todo = chosen.filter((s) => force || !existsSync(fileOf(s.name)));
  for (const s of chosen.filter((x) => !todo.includes(x))) {
    process.stdout.write(
      `kept      ${s.name} (already recorded; --force to overwrite an unmerged fixture)\n`,
    );
  }
  if (todo.length === 0) return 0;

  mkdirSync(HISTORIES_DIR, { recursive: true });
  const h = await startHarness();
  try {
    for (const s of todo) {
      const started = Date.now();
      const c = await runScenario(h, s);
      const history = await c.handle.fetchHistory();
      const file = fileOf(s.name);
      // Payloads decrypted (this run's key is thrown away): plain json/plain payloads, base64 in
      // Temporal's JSON form as the CLI writes them, so a reviewer can check what a fixture
      // holds (ids and non-identifying facts only) and replay needs no key.
      const json = await decodeHistoryPayloads(
        historyToJson(history),
        testDataConverter().payloadCodecs ?? [],
      );
      writeFileSync(file, `${JSON.stringify(json, null, 1)}\n`);
      process.stdout.write(
        `recorded  ${s.name}: ${history.events?.length ?? 0} events, ${Date.now() - started} ms -> ${path.relative(process.cwd(), file)}\n`,
      );
    }
  } finally {
    await h.stop();
  }
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
}
