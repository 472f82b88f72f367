import { informedAtEveryStage, type Audience } from '@resolve/domain';
import { getProtocol, parseProtocol } from '@resolve/protocols';
import {
  businessManagers,
  resolveRecipients,
  type DirectoryPerson,
  type DirectorySnapshot,
  type EscalationFacts,
} from './recipients';

const person = (id: string, extra: Partial<DirectoryPerson> = {}): DirectoryPerson => ({
  id,
  displayName: id.replace(/-/g, ' '),
  email: `${id}@example.test`,
  phone: null,
  channels: ['email'],
  smsOutOfHours: false,
  ...extra,
});

const escalation: EscalationFacts = {
  id: '00000000-0000-4000-8000-000000000001',
  reference: 'SEF-2026-0001',
  partnershipId: 'sefton',
  partnershipName: 'Sefton',
  emailDetail: 'reference-only',
  protocolId: 'sefton-sscp',
  protocolVersion: 1,
  category: 'thresholds',
  immediateRisk: false,
  tierNumber: 2,
  tierKey: 'step-2',
  raisingAgencyId: 'sefton-police',
  receivingAgencyId: 'sefton-csc',
  raisingPersonId: 'police-practitioner',
  receivingPersonId: 'csc-practitioner',
};

const directory: DirectorySnapshot = {
  people: [
    person('police-practitioner'),
    person('csc-practitioner'),
    person('police-line-manager'),
    person('csc-line-manager'),
    person('csc-line-manager-2'),
    person('health-line-manager'),
    person('police-head-of-service'),
    person('business-manager'),
    person('chair'),
    person('other-business-manager'),
    // Holds a role in both agencies and is also a party: told once.
    person('dual-role'),
  ],
  agencyRoles: [
    { personId: 'police-line-manager', agencyId: 'sefton-police', role: 'line-manager' },
    { personId: 'csc-line-manager', agencyId: 'sefton-csc', role: 'line-manager' },
    { personId: 'csc-line-manager-2', agencyId: 'sefton-csc', role: 'line-manager' },
    { personId: 'health-line-manager', agencyId: 'sefton-health', role: 'line-manager' },
    { personId: 'police-head-of-service', agencyId: 'sefton-police', role: 'head-of-service' },
    { personId: 'dual-role', agencyId: 'sefton-police', role: 'safeguarding-lead' },
    { personId: 'dual-role', agencyId: 'sefton-csc', role: 'safeguarding-lead' },
    { personId: 'csc-practitioner', agencyId: 'sefton-csc', role: 'practitioner' },
  ],
  partnershipRoles: [
    { personId: 'business-manager', partnershipId: 'sefton', role: 'business-manager' },
    { personId: 'chair', partnershipId: 'sefton', role: 'independent-chair' },
    { personId: 'other-business-manager', partnershipId: 'wirral', role: 'business-manager' },
  ],
};

const audience = (a: Partial<Audience>): Audience => ({
  parties: false,
  agencyRoles: [],
  sides: [],
  partnershipRoles: [],
  ...a,
});
const ids = (a: Audience) => resolveRecipients(directory, escalation, a).map((r) => r.person.id);

describe('resolveRecipients', () => {
  it('parties are the raiser and the person raised with', () => {
    expect(ids(audience({ parties: true }))).toEqual(['police-practitioner', 'csc-practitioner']);
  });

  it("a step's notice to one side's party reaches that party only", () => {
    expect(ids(audience({ parties: true, partySides: ['raising'] }))).toEqual(['police-practitioner']);
    expect(ids(audience({ parties: true, partySides: ['receiving'] }))).toEqual(['csc-practitioner']);
  });

  it('agency roles on both sides come from the raising and receiving agencies only', () => {
    expect(ids(audience({ agencyRoles: ['line-manager'], sides: ['raising', 'receiving'] }))).toEqual([
      'police-line-manager',
      'csc-line-manager',
      'csc-line-manager-2',
    ]);
  });

  it('at a "their line manager" step, the professional\'s own line manager where one is recorded', () => {
    const withRelation: DirectorySnapshot = {
      ...directory,
      lineManagers: { 'csc-practitioner': 'csc-line-manager-2', 'police-practitioner': null },
    };
    const lineManagers = (a: Audience) =>
      resolveRecipients(withRelation, escalation, a).map((r) => r.person.id);
    const both = audience({ agencyRoles: ['line-manager'], sides: ['raising', 'receiving'] });
    // Recorded for the receiving professional: only theirs; none recorded on the raising side:
    // every line manager of that agency, as before.
    expect(lineManagers({ ...both, ownLineManager: true })).toEqual([
      'police-line-manager',
      'csc-line-manager-2',
    ]);
    // Without the step's rule the relation changes nothing.
    expect(lineManagers(both)).toEqual(['police-line-manager', 'csc-line-manager', 'csc-line-manager-2']);
  });

  it("reaches the protocol's every-stage recipients: the partnership role, and the agency role in both agencies", () => {
    const json = JSON.parse(JSON.stringify(getProtocol('sefton-sscp')));
    json.informedAtEveryStage = [
      { partnershipRole: 'business-manager', why: "the partnership's escalations mailbox" },
      { agencyRole: 'safeguarding-lead', why: "each agency's safeguarding unit" },
    ];
    const informed = informedAtEveryStage(parseProtocol(json, 'sefton-informing.json'))!;
    const found = resolveRecipients(directory, escalation, informed);
    // The safeguarding unit of each agency (here one person in both, told once) and the
    // partnership's own business manager, not another partnership's; never the parties.
    expect(found.map((r) => [r.person.id, r.because])).toEqual([
      ['dual-role', ['raising:safeguarding-lead', 'receiving:safeguarding-lead']],
      ['business-manager', ['partnership:business-manager']],
    ]);
    expect(informedAtEveryStage(getProtocol('sefton-sscp'))).toBeNull();
  });

  it('one side only', () => {
    expect(ids(audience({ agencyRoles: ['line-manager', 'head-of-service'], sides: ['raising'] }))).toEqual([
      'police-line-manager',
      'police-head-of-service',
    ]);
    expect(ids(audience({ agencyRoles: ['head-of-service'], sides: ['receiving'] }))).toEqual([]);
  });

  it('agency roles without sides reach nobody', () => {
    expect(ids(audience({ agencyRoles: ['line-manager'] }))).toEqual([]);
  });

  it('onlyAgencyIds restricts agency roles (a plan item owner)', () => {
    expect(
      ids(
        audience({
          agencyRoles: ['line-manager'],
          sides: ['raising', 'receiving'],
          onlyAgencyIds: ['sefton-csc'],
        }),
      ),
    ).toEqual(['csc-line-manager', 'csc-line-manager-2']);
    // An agency that is neither side of the case is not reached through sides.
    expect(
      ids(
        audience({
          agencyRoles: ['line-manager'],
          sides: ['raising', 'receiving'],
          onlyAgencyIds: ['sefton-health'],
        }),
      ),
    ).toEqual([]);
  });

  it('onlyAgencyIds does not restrict parties or partnership roles', () => {
    expect(
      ids(audience({ parties: true, partnershipRoles: ['business-manager'], onlyAgencyIds: ['sefton-csc'] })),
    ).toEqual(['police-practitioner', 'csc-practitioner', 'business-manager']);
  });

  it("partnership roles come from the escalation's partnership", () => {
    expect(ids(audience({ partnershipRoles: ['business-manager', 'independent-chair'] }))).toEqual([
      'business-manager',
      'chair',
    ]);
  });

  it('each person once, with every reason', () => {
    const found = resolveRecipients(
      directory,
      escalation,
      audience({
        parties: true,
        agencyRoles: ['safeguarding-lead', 'practitioner'],
        sides: ['raising', 'receiving'],
      }),
    );
    expect(found.map((r) => r.person.id)).toEqual(['police-practitioner', 'csc-practitioner', 'dual-role']);
    expect(found[1].because).toEqual(['party:receiving', 'receiving:practitioner']);
    expect(found[2].because).toEqual(['raising:safeguarding-lead', 'receiving:safeguarding-lead']);
  });

  it('people missing from the directory are skipped, not invented', () => {
    const sparse: DirectorySnapshot = {
      ...directory,
      people: directory.people.filter((p) => p.id !== 'csc-practitioner'),
    };
    expect(
      resolveRecipients(sparse, escalation, audience({ parties: true })).map((r) => r.person.id),
    ).toEqual(['police-practitioner']);
  });

  it('business managers of the partnership', () => {
    expect(businessManagers(directory, 'sefton').map((p) => p.id)).toEqual(['business-manager']);
  });
});
