import type { DataSource } from 'typeorm';

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

export const demoAgencyId = (partnershipId: string, suffix: string) => `${partnershipId}-${suffix}`;
export const demoPersonId = (agencyOrPartnershipId: string, role: string) =>
  `${agencyOrPartnershipId}-${role}`;

export async function seedDemoDirectory(
  ds: DataSource,
  partnerships: { id: string; name: string }[],
): Promise<void> {
  await ds.transaction(async (tx) => {
    let phone = 100;
    for (const p of partnerships) {
      await tx.query(`INSERT INTO partnership (id, name) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING`, [
        p.id,
        p.name,
      ]);
      const people: { id: string; name: string; email: string; agencyId: string | null; role: string }[] = [];
      for (const a of DEMO_AGENCY_KINDS) {
        const agencyId = demoAgencyId(p.id, a.suffix);
        await tx.query(
          `INSERT INTO agency (id, partnership_id, name, kind) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING`,
          [agencyId, p.id, `${p.name} ${a.name}`, a.kind],
        );
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
      for (const person of people) {
        phone += 1;
        await tx.query(
          `INSERT INTO person (id, partnership_id, display_name, email, phone, channels, identity_subject)
           VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING`,
          [
            person.id,
            p.id,
            person.name,
            person.email,
            `+447700900${String(phone % 1000).padStart(3, '0')}`,
            ['email'],
            person.id,
          ],
        );
        if (person.agencyId) {
          await tx.query(
            `INSERT INTO agency_role (person_id, agency_id, role) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
            [person.id, person.agencyId, person.role],
          );
        } else {
          await tx.query(
            `INSERT INTO partnership_role (person_id, partnership_id, role, sub_group) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
            [person.id, p.id, person.role, person.role === 'sub-group-chair' ? 'learning' : null],
          );
        }
      }
    }
  });
}
