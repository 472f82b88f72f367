import { startStack } from './lib/stack';
import { raiseBody } from './lib/http';
import { sleep } from './lib/cli';
async function main() {
  const s = await startStack({ name: 'dbg', apiEntry: 'bench', keepDir: true });
  const token = await s.token('sefton-sscp-csc-practitioner');
  const r = await s.api.request('POST', '/escalations', { token, body: raiseBody('sefton-sscp', 'sefton-sscp', 'thresholds', 'DBG-1') });
  const id = r.body.id;
  const ps = [];
  for (let i = 0; i < 100; i++) { ps.push(s.api.request('POST', `/escalations/${id}/notes`, { token, body: { text: `n${i}` } })); await sleep(20); }
  const res = await Promise.all(ps);
  console.log('statuses', res.map((x) => x.status).join(','));
  for (let t = 0; t < 20; t++) {
    const [{ n }] = await s.db.query(`SELECT count(*)::int AS n FROM escalation_event WHERE type='note-added' AND escalation_id=$1`, [id]);
    const [{ c }] = await s.db.query(`SELECT count(*)::int AS c FROM action_record WHERE kind='add-note' AND escalation_id=$1 AND outcome='accepted'`, [id]);
    const d = await s.temporal.workflow.getHandle(`escalation-sefton-sscp-DBG-1`).describe();
    console.log(t, 'timeline notes', n, 'accepted', c, 'history', d.historyLength);
    if (n >= 100) break;
    await sleep(3000);
  }
  const snap: any = await s.temporal.workflow.getHandle(`escalation-sefton-sscp-DBG-1`).query('snapshot');
  console.log('workflow timeline notes', snap.timeline.filter((e: any) => e.type === 'note-added').length);
  await s.stop();
}
main().catch((e) => { console.error(e); process.exit(1); });
