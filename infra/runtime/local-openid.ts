import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { DataSource } from 'typeorm';
import { DirectoryRepository } from '@resolve/persistence';
import type { LocalPerson } from './local-openid-provider';

export type { LocalPerson } from './local-openid-provider';

/** A running local OpenID provider and the client registered with it (the web service). */
export interface LocalOpenIdProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  stop(): Promise<void>;
}

/**
 * Starts infra/runtime/local-openid-provider.ts in its own Node process (oidc-provider is an ES
 * module, and runs best outside the API's and jest's CommonJS world) and waits until it listens.
 * `redirectUri` is the web service's callback, `${WEB_BASE_URL}/sign-in/callback`.
 */
export async function startLocalOpenIdProvider(options: {
  people: LocalPerson[];
  redirectUri: string;
  port?: number;
}): Promise<LocalOpenIdProvider> {
  if (process.env.RESOLVE_ENV === 'production')
    throw new Error('RESOLVE_ENV=production: the local OpenID provider is for development and tests only');
  const dir = mkdtempSync(path.join(tmpdir(), 'resolve-local-oidc-'));
  const peopleFile = path.join(dir, 'people.json');
  writeFileSync(peopleFile, JSON.stringify(options.people), { mode: 0o600 });
  const clientId = 'resolve-web';
  const clientSecret = randomBytes(24).toString('base64url');
  const child: ChildProcess = spawn(
    process.execPath,
    ['-r', path.join(__dirname, 'register.js'), path.join(__dirname, 'local-openid-provider.ts')],
    {
      env: {
        ...process.env,
        LOCAL_OIDC_PORT: String(options.port ?? 0),
        LOCAL_OIDC_CLIENT_ID: clientId,
        LOCAL_OIDC_CLIENT_SECRET: clientSecret,
        LOCAL_OIDC_REDIRECT_URIS: options.redirectUri,
        LOCAL_OIDC_PEOPLE_FILE: peopleFile,
        // oidc-provider names Node 22 as its supported runtime; on Node 20 it works and only warns.
        NODE_NO_WARNINGS: '1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let errors = '';
  child.stderr!.on('data', (d: Buffer) => (errors = (errors + d.toString()).slice(-4000)));
  const issuer = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`local OpenID provider did not start: ${errors}`)),
      60_000,
    );
    createInterface({ input: child.stdout! }).once('line', (line) => {
      clearTimeout(timer);
      try {
        resolve((JSON.parse(line) as { issuer: string }).issuer);
      } catch {
        reject(new Error(`local OpenID provider said: ${line}`));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`local OpenID provider exited (${code}): ${errors}`));
    });
  });
  return {
    issuer,
    clientId,
    clientSecret,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

const words = (role: string) => role.replace(/-/g, ' ');

/**
 * Everyone in the directory of these partnerships, as the local sign-in page lists them. A
 * person's subject is taken to be their id, as in the demonstration directory.
 */
export async function directoryPeopleForSignIn(
  dataSource: DataSource,
  partnerships: { id: string; name: string }[],
): Promise<LocalPerson[]> {
  const directory = new DirectoryRepository(dataSource);
  const lists = await Promise.all(
    partnerships.map(async (partnership) => {
      const [people, agencies] = await Promise.all([
        directory.peopleWithRoles(partnership.id),
        directory.agencies(partnership.id),
      ]);
      const agencyName = new Map(agencies.map((a) => [a.id, a.name]));
      // The demonstration directory's identity subjects are its person ids (seedDemoDirectory).
      return people.map((p) => ({
        subject: p.id,
        name: p.displayName,
        partnership: partnership.name,
        roles: [
          ...p.agencyRoles.map((r) => `${agencyName.get(r.agencyId) ?? r.agencyId}: ${words(r.role)}`),
          ...p.partnershipRoles.map((r) => `${partnership.name}: ${words(r.role)}`),
        ].join('; '),
      }));
    }),
  );
  return lists.flat();
}
