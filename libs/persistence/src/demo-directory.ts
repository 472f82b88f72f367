import type { DataSource } from 'typeorm';
import { DirectoryRepository } from './repositories/directory.repository';

/**
 * A demonstration directory for the embedded default and tests: for each partnership, four
 * agencies with one person in every agency role, and one person in every partnership role.
 * Addresses use the reserved `.test` domain and phone numbers Ofcom keeps for drama, so no real
 * person is ever contacted.
 */
export const DEMO_AGENCY_KINDS = [
  { suffix: 'csc', name: "Children's Social Care", kind: 'children-social-care' },
  { suffix: 'police', name: 'Police', kind: 'police' },
  { suffix: 'health', name: 'Health Trust', kind: 'health' },
  { suffix: 'school', name: 'Secondary School', kind: 'school' },
] as const;

export const DEMO_AGENCY_ROLES = [
  'practitioner',
  'line-manager',
  'safeguarding-lead',
  'service-manager',
  'senior-liaison-officer',
  'head-of-service',
  'board-member',
] as const;

export const DEMO_PARTNERSHIP_ROLES = [
  'independent-chair',
  'business-manager',
  'quality-assurance-manager',
  'sub-group-chair',
  'senior-leadership-team',
  'safeguarding-manager',
  'partnership-administrator',
] as const;

/**
 * A second administrator per partnership: role grants wait for another administrator's approval
 * (the four-eyes rule, docs/security.md), so a directory with one administrator could grant none.
 */
export const DEMO_SECOND_ADMINISTRATOR = 'partnership-administrator-2';

/** The informed-only role of every demonstration partnership's mailbox (one person each). */
export const DEMO_ESCALATIONS_MAILBOX = 'escalations-mailbox';

/** The agency whose administrator manages its own webhook endpoints (docs/integrations.md). */
export const DEMO_AGENCY_ADMINISTRATOR_AGENCY = 'police';

export const demoAgencyId = (partnershipId: string, suffix: string) => `${partnershipId}-${suffix}`;
export const demoPersonId = (agencyOrPartnershipId: string, role: string) =>
  `${agencyOrPartnershipId}-${role}`;

export async function seedDemoDirectory(
  ds: DataSource,
  partnerships: { id: string; name: string }[],
): Promise<void> {
  // One transaction; every insert skips a row that exists, so seeding again changes nothing.
  await ds.transaction(async (tx) => {
    const directory = new DirectoryRepository(tx);
    let phone = 100;
    for (const p of partnerships) {
      await directory.insertPartnership({ id: p.id, name: p.name });
      // The demonstration partnerships try the system out on the two-minute demo protocol.
      await directory.setDemoProtocolEnabled(p.id, true);
      const people: { id: string; name: string; email: string; agencyId: string | null; role: string }[] = [];
      for (const a of DEMO_AGENCY_KINDS) {
        const agencyId = demoAgencyId(p.id, a.suffix);
        await directory.insertAgency({
          id: agencyId,
          partnershipId: p.id,
          name: `${p.name} ${a.name}`,
          kind: a.kind,
        });
        for (const role of DEMO_AGENCY_ROLES) {
          people.push({
            id: demoPersonId(agencyId, role),
            name: `${a.name} ${role.replace(/-/g, ' ')}`,
            email: `${a.suffix}.${role}@${p.id}.resolve.test`,
            agencyId,
            role,
          });
        }
      }
      for (const role of DEMO_PARTNERSHIP_ROLES) {
        people.push({
          id: demoPersonId(p.id, role),
          name: `${p.name} ${role.replace(/-/g, ' ')}`,
          email: `${role}@${p.id}.resolve.test`,
          agencyId: null,
          role,
        });
      }
      // The police's agency administrator: a person with no part in cases (the same phone
      // numbers as before for everyone else, so no phone either).
      const policeAdministrator = demoPersonId(
        demoAgencyId(p.id, DEMO_AGENCY_ADMINISTRATOR_AGENCY),
        'agency-administrator',
      );
      await directory.insertPerson({
        id: policeAdministrator,
        partnershipId: p.id,
        displayName: 'Police agency administrator',
        email: `${DEMO_AGENCY_ADMINISTRATOR_AGENCY}.agency-administrator@${p.id}.resolve.test`,
        phone: null,
        channels: ['email'],
        smsOutOfHours: false,
        identitySubject: policeAdministrator,
      });
      await directory.addAgencyRole({
        personId: policeAdministrator,
        agencyId: demoAgencyId(p.id, DEMO_AGENCY_ADMINISTRATOR_AGENCY),
        role: 'agency-administrator',
      });
      await directory.insertPerson({
        id: demoPersonId(p.id, DEMO_SECOND_ADMINISTRATOR),
        partnershipId: p.id,
        displayName: `${p.name} second administrator`,
        email: `${DEMO_SECOND_ADMINISTRATOR}@${p.id}.resolve.test`,
        // No phone: the others' demonstration numbers stay as they were.
        phone: null,
        channels: ['email'],
        smsOutOfHours: false,
        identitySubject: demoPersonId(p.id, DEMO_SECOND_ADMINISTRATOR),
      });
      await directory.addPartnershipRole({
        personId: demoPersonId(p.id, DEMO_SECOND_ADMINISTRATOR),
        partnershipId: p.id,
        role: 'partnership-administrator',
        subGroup: null,
      });
      // The partnership's escalations mailbox: informed only, it receives the forms lodged with
      // it and sees no case (docs/records-and-reports.md, "Lodged forms"). No phone, as above.
      await directory.insertPerson({
        id: demoPersonId(p.id, DEMO_ESCALATIONS_MAILBOX),
        partnershipId: p.id,
        displayName: `${p.name} escalations mailbox`,
        email: `escalations@${p.id}.resolve.test`,
        phone: null,
        channels: ['email'],
        smsOutOfHours: false,
        identitySubject: demoPersonId(p.id, DEMO_ESCALATIONS_MAILBOX),
      });
      await directory.addPartnershipRole({
        personId: demoPersonId(p.id, DEMO_ESCALATIONS_MAILBOX),
        partnershipId: p.id,
        role: DEMO_ESCALATIONS_MAILBOX,
        subGroup: null,
      });
      for (const person of people) {
        phone += 1;
        await directory.insertPerson({
          id: person.id,
          partnershipId: p.id,
          displayName: person.name,
          email: person.email,
          phone: `+447700900${String(phone % 1000).padStart(3, '0')}`,
          channels: ['email'],
          smsOutOfHours: false,
          identitySubject: person.id,
        });
        if (person.agencyId) {
          await directory.addAgencyRole({
            personId: person.id,
            agencyId: person.agencyId,
            role: person.role,
          });
        } else {
          await directory.addPartnershipRole({
            personId: person.id,
            partnershipId: p.id,
            role: person.role,
            subGroup: person.role === 'sub-group-chair' ? 'learning' : null,
          });
        }
      }
    }
  });
}
