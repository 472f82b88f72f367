import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFINITIONS_DIR } from '@resolve/protocols/files';
import { startSmtpCapture, startTestDatabase, type SmtpCapture, type TestDatabase } from '@resolve/testing';
import type { DataSource } from 'typeorm';
import { folderProtocolLookup } from '../src/message-content';
import { audience, insertEscalation, request, seedDirectory } from './support/escalations';
import { notifierFor } from './support/notifier';

/**
 * The notifier reads the partnership's protocol folder (PROTOCOLS_DIR) as the API does: a case
 * raised under a protocol written as data and dropped into the folder is told about in that
 * protocol's own words, with no restart. (In this process nothing else has registered the file:
 * jest gives each test file its own registry of protocols.)
 */
jest.setTimeout(120_000);

const PILOT = 'sefton-sscp-pilot-notices';
let db: TestDatabase;
let ds: DataSource;
let smtp: SmtpCapture;
const dir = mkdtempSync(join(tmpdir(), 'resolve-notifier-protocols-'));

beforeAll(async () => {
  [db, smtp] = await Promise.all([startTestDatabase(), startSmtpCapture()]);
  ds = db.dataSource;
  await seedDirectory(ds);
});
afterAll(async () => {
  await smtp?.stop();
  await db?.stop();
});

it("tells of a case under a dropped-in protocol in that protocol's words", async () => {
  const problems: unknown[] = [];
  const lookup = folderProtocolLookup(dir, (event) => problems.push(event));
  const notifier = notifierFor(
    ds,
    { email: { provider: 'smtp', smtpUrl: smtp.url }, sms: { provider: 'outbox' } },
    { protocols: lookup },
  );
  const escalation = await insertEscalation(ds, { tier: 2, protocolId: PILOT });
  const send = () =>
    notifier.notify(
      request(escalation, {
        audience: audience({ parties: true }),
        key: `${escalation.id}:tier-entered:2:${smtp.messages.length}`,
      }),
    );

  // Before the file exists the message falls back to the protocol's id.
  await send();
  const before = smtp.messages.filter((m) => m.subject.includes(escalation.reference));
  expect(before.length).toBeGreaterThan(0);
  expect(before[0].text).toContain(PILOT);

  const sefton = JSON.parse(readFileSync(join(DEFINITIONS_DIR, 'sefton-sscp.json'), 'utf8'));
  const pilot = {
    ...sefton,
    id: PILOT,
    version: 1,
    title: 'Sefton pilot for notices',
    tiers: sefton.tiers.map((t: { number: number; title: string }) =>
      t.number === 2 ? { ...t, title: 'Pilot: the two line managers talk' } : t,
    ),
  };
  writeFileSync(join(dir, `${PILOT}.json`), JSON.stringify(pilot));
  await new Promise((r) => setTimeout(r, 1100)); // the folder is read at most once a second

  const sentBefore = smtp.messages.length;
  await send();
  const after = smtp.messages.slice(sentBefore).filter((m) => m.subject.includes(escalation.reference));
  expect(after.length).toBeGreaterThan(0);
  for (const mail of after) {
    expect(mail.text).toContain('Sefton pilot for notices');
    expect(mail.text).toContain('Pilot: the two line managers talk');
  }
  expect(problems).toEqual([{ protocol: `${PILOT} v1` }]);

  // A broken file is reported, not used, and the good one still is.
  writeFileSync(join(dir, 'broken.json'), JSON.stringify({ id: 'broken', version: 1 }));
  await new Promise((r) => setTimeout(r, 1100));
  expect(lookup(PILOT, 1)?.title).toBe('Sefton pilot for notices');
  expect(problems).toHaveLength(2);
  expect(problems[1]).toMatchObject({ dir, problem: expect.stringContaining('broken.json') });
});
