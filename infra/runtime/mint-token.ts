/**
 * Mints a bearer token for a person of the embedded default's directory, signed by the local
 * issuer that `npm start` created (var/auth/local-issuer.json):
 *   npm run -s token -- sefton-sscp-csc-practitioner [--hours 8]
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { loadOrCreateLocalIssuer } from '@resolve/api';

async function main() {
  const args = process.argv.slice(2);
  const subject = args.find((a) => !a.startsWith('--'));
  const hoursAt = args.indexOf('--hours');
  const hours = hoursAt >= 0 ? Number(args[hoursAt + 1]) : 8;
  if (!subject || !/^[a-z0-9-]{2,100}$/.test(subject) || !(hours > 0 && hours <= 24)) {
    console.error(
      'usage: npm run -s token -- <person-id> [--hours 1-24]   (person ids: var/demo-tokens.json or GET /partnerships/:id/people)',
    );
    process.exit(2);
  }
  const file = path.resolve(__dirname, '..', '..', 'var', 'auth', 'local-issuer.json');
  if (!existsSync(file)) {
    console.error('no local issuer yet: run `npm start` once first (it creates var/auth/local-issuer.json)');
    process.exit(2);
  }
  const issuer = await loadOrCreateLocalIssuer(file, 'resolve-local', 'resolve-api');
  console.log(await issuer.mint(subject, { expiresIn: `${hours}h` }));
}

main().catch((err) => {
  console.error(`token: ${err?.message ?? err}`);
  process.exit(1);
});
