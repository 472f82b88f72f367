import type { DataSource } from 'typeorm';
import { DirectoryRepository, type PersonContact } from '@resolve/persistence';
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
  const r = await new DirectoryRepository(ds).escalationRouting(escalationId);
  if (!r) return null;
  return {
    id: r.id,
    reference: r.reference,
    partnershipId: r.partnershipId,
    partnershipName: r.partnershipName,
    emailDetail: r.emailDetail === 'reference-and-category' ? 'reference-and-category' : 'reference-only',
    protocolId: r.protocolId,
    protocolVersion: Number(r.protocolVersion),
    category: r.category,
    immediateRisk: r.immediateRisk === true,
    tierNumber: Number(r.tierNumber),
    tierKey: r.tierKey,
    raisingAgencyId: r.raisingAgencyId,
    receivingAgencyId: r.receivingAgencyId,
    raisingPersonId: r.raisingPersonId,
    receivingPersonId: r.receivingPersonId,
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
  const directory = new DirectoryRepository(ds);
  const parties = [escalation.raisingPersonId, escalation.receivingPersonId];
  const lineManagers = await directory.lineManagersOf(parties);
  const found = await directory.aroundEscalation({
    partnershipId: escalation.partnershipId,
    agencyIds: [escalation.raisingAgencyId, escalation.receivingAgencyId],
    // Their line managers too: at a "their line manager" step they are the ones told.
    personIds: [...parties, ...[...lineManagers.values()].filter((id): id is string => id !== null)],
  });
  return {
    people: found.people.map(toPerson),
    agencyRoles: found.agencyRoles,
    partnershipRoles: found.partnershipRoles,
    lineManagers: Object.fromEntries(lineManagers),
  };
}

function toPerson(p: PersonContact): DirectoryPerson {
  return {
    id: p.id,
    displayName: p.displayName,
    email: p.email ?? null,
    phone: p.phone ?? null,
    // The column holds any text; only the channels the notifier knows are used.
    channels: (p.channels as string[]).filter((c): c is Channel => c === 'email' || c === 'sms'),
    smsOutOfHours: p.smsOutOfHours === true,
  };
}
