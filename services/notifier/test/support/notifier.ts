import type { DataSource } from 'typeorm';
import { shippedProtocolLookup, type ProtocolLookup } from '../../src/message-content';
import { createNotifierActivities, type NotifierDeps } from '../../src/notify';
import { silentLogger } from '../../src/logger';
import { createProviders, type Providers } from '../../src/providers/provider-factory';
import type { NotifierConfig } from '../../src/config';
import { WORKING_HOURS } from './escalations';

export const PUBLIC_BASE_URL = 'https://resolve.example.test';
export const MAIL_FROM = 'Resolve <notifications@resolve.test>';

/** The notifier's activities as the worker builds them, with providers chosen by configuration. */
export function notifierFor(
  ds: DataSource,
  config: Pick<NotifierConfig, 'email' | 'sms'> & Partial<Pick<NotifierConfig, 'bounces'>>,
  options: { clock?: () => Date } & Partial<
    Pick<NotifierDeps, 'logger' | 'projectionWaitMs' | 'protocols'>
  > = {},
): ReturnType<typeof createNotifierActivities> & { providers: Providers } {
  const providers = createProviders({ ...config, mailFrom: MAIL_FROM }, ds);
  const activities = createNotifierActivities({
    dataSource: ds,
    providers,
    config: { publicBaseUrl: PUBLIC_BASE_URL, mailFrom: MAIL_FROM },
    clock: options.clock ?? (() => WORKING_HOURS),
    logger: options.logger ?? silentLogger,
    protocols: options.protocols,
    // Most tests insert escalation rows without a workflow, so no projection ever comes: they do
    // not wait for one unless they ask to.
    projectionWaitMs: options.projectionWaitMs ?? 0,
  });
  return { ...activities, providers };
}

/** Saves the seeded directory so each test can change preferences and get them back after. */
export async function snapshotPeople(ds: DataSource): Promise<() => Promise<void>> {
  await ds.query(
    `DROP TABLE IF EXISTS person_snapshot; CREATE TABLE person_snapshot AS SELECT * FROM person`,
  );
  return async () => {
    await ds.query(
      `UPDATE person p SET channels = s.channels, email = s.email, phone = s.phone, sms_out_of_hours = s.sms_out_of_hours
         FROM person_snapshot s WHERE s.id = p.id`,
    );
  };
}

/**
 * The shipped protocols with every channel allowed: for tests about something other than the
 * protocol's channel setting (Sefton, the tests' protocol, discourages email).
 */
export const everyChannelAllowed: ProtocolLookup = (protocolId) => {
  const info = shippedProtocolLookup(protocolId);
  return info && { ...info, channels: { email: 'allowed', sms: 'allowed' } };
};
