/**
 * `npm start`: the whole system on embedded defaults, in one process tree, with data kept under
 * ./var: a real PostgreSQL server, the Temporal dev server with its Web UI, the escalation worker,
 * the notifier, a local SMTP capture with a page to read what was sent, and the API.
 * Ports can be moved with environment variables (API_PORT, PG_PORT, TEMPORAL_PORT, TEMPORAL_UI_PORT,
 * SMTP_PORT, MAIL_UI_PORT, WORKER_METRICS_PORT, OIDC_PORT). With DATABASE_URL or TEMPORAL_ADDRESS set, those are used instead
 * (DATABASE_URL serves; MIGRATIONS_DATABASE_URL, when set, is the owner that migrates). The embedded Postgres
 * is migrated by its superuser and served as `resolve_app`, a role that owns nothing, as in production.
 * Payloads are encrypted with RESOLVE_ENCRYPTION_KEYS when set, else with a key generated once
 * and kept in var/encryption-keys (it must stay beside var/temporal.db to read its histories).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime } from '@temporalio/worker';
import { createApiApp, createTokenVerifier, loadOrCreateLocalIssuer } from '@resolve/api';
import { startNotifier } from '@resolve/notifier';
import {
  migrateAsOwnerThenServe,
  openDatabase,
  PersonEntity,
  servingRoleProblems,
  seedDemoDirectory,
  SmsOutboxRepository,
  startEmbeddedPostgres,
} from '@resolve/persistence';
import { listProtocols } from '@resolve/protocols';
import {
  createDataConverter,
  EncryptionCodec,
  loadOrCreateEncryptionKeys,
  startDevServer,
} from '@resolve/temporal';
import { startSmtpCapture, type CapturedMail } from '@resolve/mail-capture';
import { startEscalationWorker, workerTelemetryOptions } from '@resolve/worker';
import { directoryPeopleForSignIn, startLocalOpenIdProvider } from './local-openid';

const root = path.resolve(__dirname, '..', '..');
const varDir = path.join(root, 'var');
const port = (name: string, fallback: number) => Number(process.env[name] ?? fallback);

/** The role the services serve as on the embedded Postgres (compose's is the same name). */
const APPLICATION_ROLE = 'resolve_app';

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

async function main() {
  mkdirSync(varDir, { recursive: true });
  const stops: (() => Promise<void>)[] = [];
  const say = (msg: string) => console.log(`[resolve] ${msg}`);
  // Once per process, before any Temporal connection: the SDK's and the worker's Prometheus metrics.
  const workerMetrics = `127.0.0.1:${port('WORKER_METRICS_PORT', 9464)}`;
  Runtime.install({ telemetryOptions: workerTelemetryOptions(workerMetrics) });
  // Payload encryption for every client and worker below, and the API's /codec.
  const codec = new EncryptionCodec(
    process.env.RESOLVE_ENCRYPTION_KEYS || loadOrCreateEncryptionKeys(path.join(varDir, 'encryption-keys')),
  );
  const dataConverter = createDataConverter(codec);

  // Postgres
  let databaseUrl = process.env.DATABASE_URL;
  let migrationsDatabaseUrl = process.env.MIGRATIONS_DATABASE_URL;
  if (!databaseUrl) {
    const pg = await startEmbeddedPostgres({
      dataDir: path.join(varDir, 'postgres'),
      port: port('PG_PORT', 5433),
      durable: true,
      log: say,
    });
    stops.push(() => pg.stop());
    await pg.createDatabase('resolve');
    // As in production: the superuser migrates, and everything serves as a role that owns nothing,
    // so no service can switch off the append-only triggers (docs/security.md, "The owner role").
    await pg.createLoginRole(APPLICATION_ROLE);
    migrationsDatabaseUrl = pg.url('resolve');
    databaseUrl = pg.url('resolve', APPLICATION_ROLE);
  }
  const dataSource = migrationsDatabaseUrl
    ? await migrateAsOwnerThenServe({
        databaseUrl,
        migrationsDatabaseUrl,
        open: (url, migrate) => openDatabase(url, { migrate }),
      })
    : await openDatabase(databaseUrl);
  const roleProblems = await servingRoleProblems(dataSource);
  if (roleProblems.length)
    say(`warning: ${roleProblems.join('; ')} (set MIGRATIONS_DATABASE_URL to the owner)`);
  const partnerships = new Map(listProtocols().map((p) => [p.partnership.id, p.partnership.name]));
  await seedDemoDirectory(
    dataSource,
    [...partnerships].map(([id, name]) => ({ id, name })),
  );
  say(`postgres ready, migrated, demonstration directory seeded (${partnerships.size} partnerships)`);

  // Temporal
  let temporalAddress = process.env.TEMPORAL_ADDRESS;
  let uiUrl: string | null = null;
  if (!temporalAddress) {
    const server = await startDevServer({
      port: port('TEMPORAL_PORT', 7233),
      uiPort: port('TEMPORAL_UI_PORT', 8233),
      dbFile: path.join(varDir, 'temporal.db'),
    });
    stops.unshift(() => server.stop());
    temporalAddress = server.address;
    uiUrl = server.uiUrl;
  }
  const native = await NativeConnection.connect({ address: temporalAddress });
  const connection = await Connection.connect({ address: temporalAddress });

  // Mail capture and a page to read it
  const mail: CapturedMail[] = [];
  let smtpUrl = process.env.SMTP_URL;
  let mailUi: string | null = null;
  if (!smtpUrl) {
    const smtp = await startSmtpCapture({ port: port('SMTP_PORT', 1025), onMessage: (m) => mail.push(m) });
    stops.unshift(() => smtp.stop());
    smtpUrl = smtp.url;
    const mailPort = port('MAIL_UI_PORT', 8025);
    // The embedded outbox: captured email, and the SMS outbox (the SMS stand-in) from Postgres.
    const smsOutbox = new SmsOutboxRepository(dataSource);
    const page = createServer((_req, res) => {
      void smsOutbox
        .list({ limit: 200 })
        .catch(() => [])
        .then((sms) => {
          const mails = [...mail]
            .reverse()
            .map(
              (m) =>
                `<article><h3>${escape(m.subject)}</h3><p><b>To</b> ${escape(m.to.join(', '))} · ${m.receivedAt.toISOString()}</p><pre>${escape(m.text)}</pre></article>`,
            )
            .join('<hr>');
          const texts = sms
            .map(
              (m) =>
                `<li><b>${escape(m.to)}</b> · ${new Date(m.createdAt).toISOString()}<br>${escape(m.body)}</li>`,
            )
            .join('');
          res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
          res.end(
            `<!doctype html><title>Resolve: outbox</title><h1>Captured email (${mail.length})</h1>${mails || '<p>Nothing sent yet.</p>'}` +
              `<h1>SMS outbox (${sms.length})</h1><ul>${texts || '<li>Nothing sent yet.</li>'}</ul>`,
          );
        });
    });
    await new Promise<void>((r) => page.listen(mailPort, '127.0.0.1', () => r()));
    stops.unshift(() => new Promise((r) => page.close(() => r())));
    mailUi = `http://127.0.0.1:${mailPort}`;
  }

  // Workers
  const worker = await startEscalationWorker({
    temporalAddress,
    namespace: 'default',
    dataSource,
    connection: native,
    dataConverter,
  });
  stops.unshift(() => worker.shutdown());
  const apiPort = port('API_PORT', 3000);
  const notifier = await startNotifier({
    databaseUrl,
    temporalAddress,
    smtpUrl,
    mailFrom: 'resolve@resolve.test',
    publicBaseUrl: `http://127.0.0.1:${apiPort}`,
    smsProvider: 'outbox',
    // Shares the API's pool: each running delivery holds a connection for its lock.
    concurrency: 3,
    dataSource,
    connection: native,
    dataConverter,
  });
  stops.unshift(() => notifier.shutdown());

  // The web service's sign-in: the partnership's provider when WEB_OIDC_ISSUER is set, else a
  // local OpenID provider listing the demonstration people (never under RESOLVE_ENV=production).
  process.env.WEB_BASE_URL ??= `http://127.0.0.1:${apiPort}`;
  let signIn = process.env.WEB_OIDC_ISSUER ?? '(set WEB_OIDC_ISSUER)';
  if (!process.env.WEB_OIDC_ISSUER && process.env.RESOLVE_ENV !== 'production') {
    const provider = await startLocalOpenIdProvider({
      people: await directoryPeopleForSignIn(
        dataSource,
        [...partnerships].map(([id, name]) => ({ id, name })),
      ),
      redirectUri: `${process.env.WEB_BASE_URL.replace(/\/+$/, '')}/sign-in/callback`,
      port: port('OIDC_PORT', 8090),
    });
    stops.push(() => provider.stop());
    Object.assign(process.env, {
      WEB_OIDC_ISSUER: provider.issuer,
      WEB_OIDC_CLIENT_ID: provider.clientId,
      WEB_OIDC_CLIENT_SECRET: provider.clientSecret,
      // Ask who is signing in every time, so anyone can be tried in turn.
      WEB_OIDC_PROMPT: 'login',
    });
    signIn = `${provider.issuer} (local: choose any demonstration person)`;
  }

  // API with the local token issuer
  const issuer = await loadOrCreateLocalIssuer(
    path.join(varDir, 'auth', 'local-issuer.json'),
    'resolve-local',
    'resolve-api',
  );
  const app = await createApiApp({
    dataSource,
    temporal: new Client({ connection, namespace: 'default', dataConverter }),
    verifier: createTokenVerifier({
      issuer: issuer.issuer,
      audience: issuer.audience,
      localPublicJwk: issuer.publicJwk,
    }),
    // The Web UI decodes payloads through /codec (a business manager's or chair's token; docs/operators.md).
    codec: { codec, corsOrigins: uiUrl ? [uiUrl, uiUrl.replace('127.0.0.1', 'localhost')] : [] },
  });
  await app.listen(apiPort, '127.0.0.1');
  stops.unshift(() => app.close());

  // Demonstration tokens, one per demo person of the Sefton partnership, valid for 8 hours.
  const demoPeople = await dataSource
    .getRepository(PersonEntity)
    .find({ select: { id: true }, order: { id: 'ASC' } });
  const tokens: Record<string, string> = {};
  for (const p of demoPeople) tokens[p.id] = await issuer.mint(p.id);
  writeFileSync(path.join(varDir, 'demo-tokens.json'), JSON.stringify(tokens, null, 2));

  say('ready');
  console.log(`
  Web service          ${process.env.WEB_BASE_URL}  (sign-in: ${signIn})
  API and its docs     http://127.0.0.1:${apiPort}/docs
  Temporal Web UI      ${uiUrl ?? `(external server ${temporalAddress})`}
  Payload codec        http://127.0.0.1:${apiPort}/codec  (docs/operators.md)
  Metrics              http://127.0.0.1:${apiPort}/metrics (API), http://${workerMetrics}/metrics (worker)
  Captured mail + SMS  ${mailUi ?? `(SMTP ${smtpUrl})`}
  Demo bearer tokens   var/demo-tokens.json  (e.g. "sefton-sscp-csc-practitioner")

  Try:  TOKEN=$(node -p "require('./var/demo-tokens.json')['sefton-sscp-csc-practitioner']")
        curl -s -H "Authorization: Bearer $TOKEN" http://127.0.0.1:${apiPort}/escalations
  Stop with Ctrl-C.`);

  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    say('stopping');
    for (const stop of stops) await stop().catch((e) => console.error(e));
    await dataSource.destroy().catch(() => undefined);
    process.exit(0);
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

main().catch((err) => {
  console.error(`[resolve] failed to start: ${err?.stack ?? err}`);
  process.exit(1);
});
