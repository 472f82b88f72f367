import type { Audience } from '@resolve/domain';

export type Channel = 'email' | 'sms';
export const CHANNELS: readonly Channel[] = ['email', 'sms'];

/** A professional from the directory, with the contact details the notifier may use. */
export interface DirectoryPerson {
  id: string;
  displayName: string;
  email: string | null;
  phone: string | null;
  /** Channels the person wants, in order of preference. */
  channels: Channel[];
  smsOutOfHours: boolean;
}

/** The part of the directory that matters for one escalation. Plain data: see loadDirectorySnapshot. */
export interface DirectorySnapshot {
  people: DirectoryPerson[];
  agencyRoles: { personId: string; agencyId: string; role: string }[];
  partnershipRoles: { personId: string; partnershipId: string; role: string }[];
  /** The recorded line manager of the case's two professionals (absent: none recorded). */
  lineManagers?: Record<string, string | null>;
}

/** The escalation's facts the notifier uses. Never the child's or adult's details. */
export interface EscalationFacts {
  id: string;
  reference: string;
  partnershipId: string;
  partnershipName: string;
  emailDetail: 'reference-only' | 'reference-and-category';
  protocolId: string;
  protocolVersion: number;
  category: string;
  immediateRisk: boolean;
  tierNumber: number;
  tierKey: string;
  raisingAgencyId: string;
  receivingAgencyId: string;
  raisingPersonId: string;
  receivingPersonId: string;
}

export interface Recipient {
  person: DirectoryPerson;
  /** Why this person is told, e.g. "party:raising", "receiving:line-manager", "partnership:business-manager". */
  because: string[];
}

/**
 * Who a notification is for, from the directory:
 * - `parties`: the raiser and the person raised with (only those of `partySides` when given);
 * - `agencyRoles` × `sides`: holders of those roles in the raising and/or receiving agency,
 *   only in `onlyAgencyIds` when given;
 *   (where the audience says `ownLineManager`, the line managers are the side's professional's own
 *   when the directory records one);
 * - `partnershipRoles`: holders of those roles for the escalation's partnership.
 * Each person once, in that order; people missing from the directory are skipped.
 */
export function resolveRecipients(
  directory: DirectorySnapshot,
  escalation: EscalationFacts,
  audience: Audience,
): Recipient[] {
  const byId = new Map(directory.people.map((p) => [p.id, p]));
  const found = new Map<string, Recipient>();
  const add = (personId: string, because: string) => {
    const person = byId.get(personId);
    if (!person) return;
    const existing = found.get(personId);
    if (existing) {
      if (!existing.because.includes(because)) existing.because.push(because);
    } else {
      found.set(personId, { person, because: [because] });
    }
  };

  if (audience.parties) {
    // A notice for one side's party (a step's owner) names that side in `partySides`.
    const sides = audience.partySides ?? ['raising', 'receiving'];
    if (sides.includes('raising')) add(escalation.raisingPersonId, 'party:raising');
    if (sides.includes('receiving')) add(escalation.receivingPersonId, 'party:receiving');
  }

  if (audience.agencyRoles.length > 0) {
    const only =
      audience.onlyAgencyIds && audience.onlyAgencyIds.length > 0 ? new Set(audience.onlyAgencyIds) : null;
    const sides = [...new Set(audience.sides)];
    for (const side of sides) {
      const agencyId = side === 'raising' ? escalation.raisingAgencyId : escalation.receivingAgencyId;
      if (only && !only.has(agencyId)) continue;
      const professional = side === 'raising' ? escalation.raisingPersonId : escalation.receivingPersonId;
      const ownLineManager = audience.ownLineManager ? directory.lineManagers?.[professional] : null;
      for (const role of audience.agencyRoles) {
        if (role === 'line-manager' && ownLineManager) {
          // "Their line manager": the professional's own, not every line manager of the agency.
          add(ownLineManager, `${side}:${role}`);
          continue;
        }
        directory.agencyRoles
          .filter((r) => r.agencyId === agencyId && r.role === role)
          .sort((a, b) => a.personId.localeCompare(b.personId))
          .forEach((r) => add(r.personId, `${side}:${role}`));
      }
    }
  }

  for (const role of audience.partnershipRoles) {
    directory.partnershipRoles
      .filter((r) => r.partnershipId === escalation.partnershipId && r.role === role)
      .sort((a, b) => a.personId.localeCompare(b.personId))
      .forEach((r) => add(r.personId, `partnership:${role}`));
  }

  return [...found.values()];
}

/** The partnership's business managers: told when a message cannot be delivered. */
export function businessManagers(directory: DirectorySnapshot, partnershipId: string): DirectoryPerson[] {
  return resolveRecipients(directory, { partnershipId } as EscalationFacts, {
    parties: false,
    agencyRoles: [],
    sides: [],
    partnershipRoles: ['business-manager'],
  }).map((r) => r.person);
}
