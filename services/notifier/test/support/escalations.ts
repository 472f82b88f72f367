import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { demoAgencyId, demoPersonId, seedDemoDirectory } from '@resolve/persistence';
import type { Audience } from '@resolve/domain';
import type { NotifyRequest } from '@resolve/contracts';

export const PARTNERSHIP = { id: 'sefton', name: 'Sefton' };
export const agency = (suffix: 'csc' | 'police' | 'health' | 'school') =>
  demoAgencyId(PARTNERSHIP.id, suffix);
export const agencyPerson = (suffix: 'csc' | 'police' | 'health' | 'school', role: string) =>
  demoPersonId(agency(suffix), role);
export const partnershipPerson = (role: string) => demoPersonId(PARTNERSHIP.id, role);
/** Addresses of the demo directory (seedDemoDirectory). */
export const agencyEmail = (suffix: string, role: string) =>
  `${suffix}.${role}@${PARTNERSHIP.id}.resolve.test`;
export const partnershipEmail = (role: string) => `${role}@${PARTNERSHIP.id}.resolve.test`;

/** Wednesday 14 January 2026, 10:00 in London: inside SMS hours. */
export const WORKING_HOURS = new Date('2026-01-14T10:00:00Z');
/** Saturday 17 January 2026, 22:00 in London. */
export const OUT_OF_HOURS = new Date('2026-01-17T22:00:00Z');

export async function seedDirectory(ds: DataSource): Promise<void> {
  await seedDemoDirectory(ds, [PARTNERSHIP]);
}

let counter = 0;

export interface SeededEscalation {
  id: string;
  reference: string;
  /** The workflow the row names: a run under another id may not notify about it. */
  workflowId: string;
}

/** A police → children's social care escalation at tier 2 of the Sefton protocol. */
export async function insertEscalation(
  ds: DataSource,
  options: { immediateRisk?: boolean; tier?: number; category?: string; protocolId?: string } = {},
): Promise<SeededEscalation> {
  counter += 1;
  const id = randomUUID();
  const reference = `SEF-2026-${String(1000 + counter)}-${id.slice(0, 4)}`;
  const workflowId = `escalation-${PARTNERSHIP.id}-${reference}`;
  await ds.query(
    `INSERT INTO escalation (id, reference, partnership_id, protocol_id, protocol_version, category, status,
       tier_number, tier_key, immediate_risk, raising_agency_id, receiving_agency_id, raising_person_id,
       receiving_person_id, raised_at, workflow_id)
     VALUES ($1, $2, $3, $12, 1, $4, 'open', $5, 'manager-to-manager', $6, $7, $8, $9, $10, now(), $11)`,
    [
      id,
      reference,
      PARTNERSHIP.id,
      options.category ?? 'thresholds',
      options.tier ?? 2,
      options.immediateRisk ?? false,
      agency('police'),
      agency('csc'),
      agencyPerson('police', 'practitioner'),
      agencyPerson('csc', 'practitioner'),
      workflowId,
      options.protocolId ?? 'sefton-sscp',
    ],
  );
  return { id, reference, workflowId };
}

export function audience(a: Partial<Audience>): Audience {
  return { parties: false, agencyRoles: [], sides: [], partnershipRoles: [], ...a };
}

export function request(
  escalation: SeededEscalation,
  r: Partial<NotifyRequest> & Pick<NotifyRequest, 'audience'>,
): NotifyRequest {
  return {
    escalationId: escalation.id,
    event: 'tier-entered',
    tier: 2,
    key: `${escalation.id}:tier-entered:2`,
    urgent: false,
    ...r,
  };
}

export async function setPerson(
  ds: DataSource,
  personId: string,
  fields: { channels?: string[]; email?: string | null; phone?: string | null; smsOutOfHours?: boolean },
): Promise<void> {
  const sets: string[] = [];
  const params: unknown[] = [personId];
  const add = (column: string, value: unknown) => {
    params.push(value);
    sets.push(`${column} = $${params.length}`);
  };
  if (fields.channels) add('channels', fields.channels);
  if (fields.email !== undefined) add('email', fields.email);
  if (fields.phone !== undefined) add('phone', fields.phone);
  if (fields.smsOutOfHours !== undefined) add('sms_out_of_hours', fields.smsOutOfHours);
  await ds.query(`UPDATE person SET ${sets.join(', ')} WHERE id = $1`, params);
}

export interface DeliveryRowForTest {
  delivery_key: string;
  event: string;
  recipient_person_id: string;
  channel: string;
  status: string;
  provider: string | null;
  provider_message_id: string | null;
  attempts: number;
  last_error: string | null;
  fallback_for: string | null;
}

export async function deliveryRows(ds: DataSource, escalationId: string): Promise<DeliveryRowForTest[]> {
  return ds.query(
    `SELECT delivery_key, event, recipient_person_id, channel, status, provider, provider_message_id, attempts, last_error, fallback_for
       FROM notification_delivery WHERE escalation_id = $1 ORDER BY delivery_key`,
    [escalationId],
  );
}

export async function outbox(
  ds: DataSource,
  escalationId: string,
): Promise<{ delivery_key: string; to_phone: string; body: string; recipient_person_id: string }[]> {
  return ds.query(
    `SELECT delivery_key, to_phone, body, recipient_person_id FROM sms_outbox WHERE escalation_id = $1 ORDER BY delivery_key`,
    [escalationId],
  );
}
