import { startStack, stackCpu, cpuDelta } from './lib/stack';
import { raiseBody, pool } from './lib/http';
import { sleep, parseArgs } from './lib/cli';
const args = parseArgs();
async function main() {
  const s = await startStack({ name: 'prof', apiEntry: 'bench', temporalDb: args.mem ? false : true, durable: args.nofsync ? false : true });
  const token = await s.token('sefton-sscp-csc-practitioner');
  const n = Number(args.n ?? 100);
  const before = stackCpu(s);
  const t0 = Date.now();
  await pool(Array.from({ length: n }, (_, i) => `PROF-${i}`), 8, async (ref) => {
    await s.api.request('POST', '/escalations', { token, body: raiseBody('sefton-sscp', 'sefton-sscp', 'thresholds', ref) });
  });
  const raisedAt = Date.now();
  for (let t = 0; t < 200; t++) {
    const [{ dated }] = await s.db.query(`SELECT count(*) FILTER (WHERE current_due_at IS NOT NULL)::int AS dated FROM escalation`);
    const [{ waiting }] = await s.db.query(`SELECT count(*)::int AS waiting FROM notification_delivery WHERE status IN ('queued','sending')`);
    if (dated >= n && waiting === 0) break;
    await sleep(1000);
  }
  const done = Date.now();
  console.log(`raise ${(raisedAt - t0) / 1000}s, settle ${(done - t0) / 1000}s, emails ${s.smtp.mails.length}, emails/s ${(s.smtp.mails.length / ((done - t0) / 1000)).toFixed(1)}`);
  console.log('cpu seconds', JSON.stringify(cpuDelta(before, stackCpu(s))));
  await s.stop();
}
main().catch((e) => { console.error(e); process.exit(1); });
