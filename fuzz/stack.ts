/**
 * The stack for fuzzing: bench/lib/stack's separate processes (Postgres, Temporal dev server,
 * worker, notifier, and the API from services/api/src/main.ts with its per-client rate limit
 * lifted, so that the fuzzer's answers are the API's own and not 429s), a few escalations to
 * aim at, and bearer tokens for demo people. Writes a JSON file describing it (--out), then
 * stays up until SIGTERM/SIGINT or --max-minutes (default 60).
 *
 *   node -r ./infra/runtime/register.js fuzz/stack.ts --out /tmp/fuzz-stack.json
 */
import { writeFileSync } from 'node:fs';
import { parseArgs, sleep } from '../bench/lib/cli';
import { raiseBody } from '../bench/lib/http';
import { startStack } from '../bench/lib/stack';

const args = parseArgs();

async function main() {
  const out = args.out ?? '/tmp/resolve-fuzz-stack.json';
  const stack = await startStack({ name: 'fuzz', apiEntry: 'bench', keepDir: args.keep === 'true' });
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    await stack.stop();
    process.exit(code);
  };
  process.removeAllListeners('SIGTERM');
  process.removeAllListeners('SIGINT');
  process.on('SIGTERM', () => void stop(0));
  process.on('SIGINT', () => void stop(0));

  const people = [
    'sefton-sscp-csc-practitioner',
    'sefton-sscp-police-practitioner',
    'sefton-sscp-partnership-administrator',
    'sefton-sscp-business-manager',
    'sefton-sscp-independent-chair',
  ];
  const tokens: Record<string, string> = {};
  for (const p of people) tokens[p] = await stack.token(p);
  const escalations: string[] = [];
  for (let i = 0; i < 3; i++) {
    const r = await stack.api.request('POST', '/escalations', {
      token: tokens['sefton-sscp-csc-practitioner'],
      body: raiseBody('sefton-sscp', 'sefton-sscp', 'thresholds', `FUZZ-SEED-${i + 1}`),
    });
    if (r.status !== 201) throw new Error(`seeding failed: ${r.status} ${JSON.stringify(r.body)}`);
    escalations.push(r.body.id);
  }
  const [{ roleid }] = await stack.db
    .query(`SELECT id::text AS roleid FROM agency_role LIMIT 1`)
    .catch(() => [{ roleid: null }]);
  writeFileSync(
    out,
    JSON.stringify(
      {
        url: `http://127.0.0.1:${stack.apiPort}`,
        dir: stack.dir,
        tokens,
        ids: {
          id: escalations,
          partnershipId: ['sefton-sscp'],
          agencyId: ['sefton-sscp-csc', 'sefton-sscp-police'],
          personId: ['sefton-sscp-csc-practitioner', 'sefton-sscp-police-line-manager'],
          roleId: roleid ? [roleid] : [],
        },
      },
      null,
      2,
    ),
  );
  console.log(`READY ${out}`);
  const until = Date.now() + Number(args['max-minutes'] ?? 60) * 60_000;
  while (Date.now() < until && !stopping) await sleep(1000);
  await stop(0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
