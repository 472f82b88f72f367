import { startStack } from './lib/stack';
import { raiseBody } from './lib/http';
async function main() {
  const t0 = Date.now();
  const stack = await startStack({ name: 'smoke', apiEntry: 'bench' });
  console.log('stack up in', Date.now() - t0, 'ms');
  const token = await stack.token('demo-csc-practitioner');
  const r = await stack.api.request('POST', '/escalations', { token, body: raiseBody('demo', 'demo', 'thresholds', 'SMOKE-1') });
  console.log(r.status, r.ms, JSON.stringify(r.body).slice(0, 300));
  await new Promise((res) => setTimeout(res, 3000));
  console.log(stack.smtp.mails);
  await stack.stop();
}
main().catch((e) => { console.error(e); process.exit(1); });
