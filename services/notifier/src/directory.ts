import type { DataSource } from 'typeorm';
import type { Channel, DirectoryPerson, DirectorySnapshot, EscalationFacts } from './recipients';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The escalation's routing facts. Reads table `escalation` (and the partnership's email detail
 * setting) only: never `escalation_subject`, which holds the child's or adult's details.
 */
export async function loadEscalationFacts(
  ds: DataSource,
  escalationId: string,
): Promise<EscalationFacts | null> {
  if (!UUID.test(escalationId)) return null;
  const rows: Record<string, unknown>[] = await ds.query(
    `SELECT e.id, e.reference, e.partnership_id, p.name AS partnership_name, p.email_detail,
            e.protocol_id, e.protocol_version, e.category, e.immediate_risk, e.tier_number, e.tier_key,
            e.raising_agency_id, e.receiving_agency_id, e.raising_person_id, e.receiving_person_id
       FROM escalation e JOIN partnership p ON p.id = e.partnership_id
      WHERE e.id = $1`,
    [escalationId],
  );
  const r = rows[0];
  if (!r) return null;
  return {
    id: String(r.id),
    reference: String(r.reference),
    partnershipId: String(r.partnership_id),
    partnershipName: String(r.partnership_name),
    emailDetail: r.email_detail === 'reference-and-category' ? 'reference-and-category' : 'reference-only',
    protocolId: String(r.protocol_id),
    protocolVersion: Number(r.protocol_version),
    category: String(r.category),
    immediateRisk: r.immediate_risk === true,
    tierNumber: Number(r.tier_number),
    tierKey: String(r.tier_key),
    raisingAgencyId: String(r.raising_agency_id),
    receivingAgencyId: String(r.receiving_agency_id),
    raisingPersonId: String(r.raising_person_id),
    receivingPersonId: String(r.receiving_person_id),
  };
}

/**
 * The directory around one escalation: role holders of the two agencies and of the
 * partnership, and every person they or the two parties are.
 */
export async function loadDirectorySnapshot(
  ds: DataSource,
  escalation: EscalationFacts,
): Promise<DirectorySnapshot> {
  const agencyRoles: { person_id: string; agency_id: string; role: string }[] = await ds.query(
    `SELECT person_id, agency_id, role FROM agency_role WHERE agency_id = ANY($1::text[])`,
    [[escalation.raisingAgencyId, escalation.receivingAgencyId]],
  );
  const partnershipRoles: { person_id: string; partnership_id: string; role: string }[] = await ds.query(
    `SELECT person_id, partnership_id, role FROM partnership_role WHERE partnership_id = $1`,
    [escalation.partnershipId],
  );
  const ids = [
    ...new Set([
      escalation.raisingPersonId,
      escalation.receivingPersonId,
      ...agencyRoles.map((r) => r.person_id),
      ...partnershipRoles.map((r) => r.person_id),
    ]),
  ];
  const people: Record<string, unknown>[] = await ds.query(
    `SELECT id, display_name, email, phone, channels, sms_out_of_hours FROM person WHERE id = ANY($1::text[])`,
    [ids],
  );
  return {
    people: people.map(toPerson),
    agencyRoles: agencyRoles.map((r) => ({ personId: r.person_id, agencyId: r.agency_id, role: r.role })),
    partnershipRoles: partnershipRoles.map((r) => ({
      personId: r.person_id,
      partnershipId: r.partnership_id,
      role: r.role,
    })),
  };
}

function toPerson(r: Record<string, unknown>): DirectoryPerson {
  const channels = Array.isArray(r.channels) ? (r.channels as string[]) : parsePgArray(r.channels);
  return {
    id: String(r.id),
    displayName: String(r.display_name),
    email: (r.email as string | null) ?? null,
    phone: (r.phone as string | null) ?? null,
    channels: channels.filter((c): c is Channel => c === 'email' || c === 'sms'),
    smsOutOfHours: r.sms_out_of_hours === true,
  };
}

/** node-postgres returns text[] as an array; a "{a,b}" string is handled for safety. */
function parsePgArray(value: unknown): string[] {
  if (typeof value !== 'string') return [];
  return value
    .replace(/^\{|\}$/g, '')
    .split(',')
    .map((s) => s.trim().replace(/^"|"$/g, ''))
    .filter(Boolean);
}
