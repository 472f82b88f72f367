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
import { lastTierNumber, listProtocols, type Tier } from '@resolve/protocols';
import { parseArgs, sleep } from '../bench/lib/cli';
import { raiseBody } from '../bench/lib/http';
import { startStack } from '../bench/lib/stack';

type Stack = Awaited<ReturnType<typeof startStack>>;

/** A seeded case the fuzzer acts on, and the people it acts as (fuzz/hooks.py picks one per request). */
interface SeededCase {
  id: string;
  protocolId: string;
  tier: number;
  state: string;
  /** People who act at the case's tier and people who do not (a role the tier does not name, the other partnership). */
  people: string[];
}

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
  const seeded = args['seed-tiers'] === 'true' ? await seedTiers(stack, tokens) : [];
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
        cases: seeded,
        ids: {
          id: escalations,
          // Cases at every tier of every protocol (--seed-tiers true): the actions' targets.
          caseId: seeded.map((c) => c.id),
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

/**
 * Cases at each tier of each protocol, raised and escalated by the people acting at each tier,
 * plus a plan awaiting agreement and an extension awaiting an answer at the first tier, and at
 * the last a chair appointed (where the protocol appoints one) and a meeting scheduled. A step
 * the API refuses is reported and skipped: the run still has the cases that were made.
 */
async function seedTiers(stack: Stack, tokens: Record<string, string>): Promise<SeededCase[]> {
  const token = async (personId: string) => (tokens[personId] ??= await stack.token(personId));
  const cases: SeededCase[] = [];
  let ref = 0;
  const post = async (personId: string, path: string, body: object) => {
    const r = await stack.api.request('POST', path, { token: await token(personId), body });
    if (r.status >= 300)
      console.log(`seed: ${path} as ${personId} answered ${r.status} ${JSON.stringify(r.body)}`);
    return r;
  };
  const waitForDeadline = async (id: string, personId: string) => {
    for (let i = 0; i < 50; i++) {
      const r = await stack.api.request('GET', `/escalations/${id}`, { token: await token(personId) });
      if (r.status === 200 && (r.body as { dueAt?: string | null }).dueAt) return;
      await sleep(100);
    }
  };
  for (const protocol of listProtocols()) {
    // The demonstration protocol is raised by any partnership; Sefton's people raise it here.
    const partnershipId = protocol.id === 'demo' ? 'sefton-sscp' : protocol.partnership.id;
    const person = (side: 'csc' | 'police', role: string) => `${partnershipId}-${side}-${role}`;
    const tierAt = (n: number, route?: string): Tier =>
      protocol.tiers.find((t) => t.number === n && (!route || !t.route || t.route === route))!;
    const peopleAt = (tier: Tier) => [
      person('csc', tier.roles.raising[0]),
      person('police', tier.roles.receiving[0]),
      ...tier.partnershipRoles.slice(0, 2).map((r) => `${partnershipId}-${r}`),
      person('police', tier.number === 1 ? 'head-of-service' : 'practitioner'), // not acting here
      `${partnershipId}-business-manager`,
      person('csc', 'practitioner'), // the raiser
    ];
    for (let n = 1; n <= lastTierNumber(protocol); n++) {
      const raiser = person('csc', 'practitioner');
      const raised = await post(
        raiser,
        '/escalations',
        raiseBody(partnershipId, protocol.id, protocol.categories[0].id, `FUZZ-TIER-${++ref}`),
      );
      if (raised.status !== 201) continue;
      const id = (raised.body as { id: string }).id;
      let tier = tierAt(1);
      for (let k = 1; k < n; k++) {
        const branches = protocol.tiers.filter((t) => t.number === k + 1 && t.route);
        const route =
          branches.length > 1 && protocol.finalRouteChosenBy === 'people'
            ? 'urgent-chaired-meeting'
            : undefined;
        const r = await post(person('csc', tier.roles.raising[0]), `/escalations/${id}/escalate`, {
          reason: 'seeded for fuzzing',
          ...(route ? { route } : {}),
        });
        if (r.status !== 200) break;
        tier = tierAt(k + 1, route);
      }
      await waitForDeadline(id, raiser);
      const states: string[] = [`tier-${tier.number}`];
      if (tier.number === 1) {
        const items = [
          { what: 'seeded item', ownerAgencyId: `${partnershipId}-police`, dueAt: '2027-03-01T16:00:00Z' },
        ];
        if (
          (await post(person('csc', tier.roles.raising[0]), `/escalations/${id}/plan`, { items })).status ===
          200
        )
          states.push('plan-proposed');
      }
      if (protocol.extensions.allowed && tier.number === 1) {
        const r = await post(person('police', tier.roles.receiving[0]), `/escalations/${id}/extension`, {
          dueAt: '2027-02-01T16:00:00Z',
          reason: 'seeded for fuzzing',
        });
        if (r.status === 200) states.push('extension-proposed');
      }
      if (tier.number === lastTierNumber(protocol)) {
        if (protocol.finalDecision.appointedBy) {
          const r = await post(`${partnershipId}-business-manager`, `/escalations/${id}/chair`, {
            chairPersonId: `${partnershipId}-independent-chair`,
          });
          if (r.status === 200) states.push('chair-appointed');
        }
        const r = await post(`${partnershipId}-independent-chair`, `/escalations/${id}/meeting`, {
          kind: 'chaired-meeting',
          at: '2027-01-15T10:00:00Z',
        });
        if (r.status === 200) states.push('meeting-scheduled');
      }
      const people = [...new Set(peopleAt(tier))];
      for (const p of people) await token(p);
      cases.push({ id, protocolId: protocol.id, tier: tier.number, state: states.join(' '), people });
    }
  }
  console.log(`seeded ${cases.length} cases: ${cases.map((c) => `${c.protocolId}@${c.state}`).join(', ')}`);
  return cases;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
