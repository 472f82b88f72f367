import type { EscalationEntity } from '@resolve/persistence';
import { actorFor, caseRoles, type Caller } from './caller';
import { NeedToKnow, seesByRole } from './need-to-know';

/** The informed-only escalations mailbox (docs/records-and-reports.md, "Lodged forms"). */
const row = {
  id: '00000000-0000-4000-8000-000000000001',
  partnershipId: 'sefton-sscp',
  protocolId: 'sefton-sscp',
  raisingAgencyId: 'sefton-sscp-csc',
  receivingAgencyId: 'sefton-sscp-police',
  raisingPersonId: 'sefton-sscp-csc-practitioner',
  receivingPersonId: 'sefton-sscp-police-practitioner',
  tierNumber: 4,
} as EscalationEntity;

const caller = (partnershipRoles: Caller['partnershipRoles']): Caller => ({
  personId: 'sefton-sscp-someone',
  partnershipId: 'sefton-sscp',
  agencyRoles: [],
  partnershipRoles,
});

describe('the informed-only escalations mailbox', () => {
  const mailbox = caller(['escalations-mailbox']);
  const needToKnow = new NeedToKnow({ hasActedOn: async () => false } as never);

  it('holds no role that sees cases, so it sees no case, lists none and acts on none', async () => {
    expect(caseRoles(mailbox)).toEqual([]);
    expect(seesByRole(mailbox, row)).toBe(false);
    expect(await needToKnow.mayRead(mailbox, row)).toBe(false);
    expect(needToKnow.listAccess(mailbox)).toEqual({ personId: mailbox.personId, agencyTiers: [] });
    expect(actorFor(mailbox, row)).toBeNull();
    expect(actorFor(mailbox, row, 'partnership')).toBeNull();
  });

  it('takes nothing from a case-seeing role held beside it, and adds nothing to it', async () => {
    const manager = caller(['business-manager', 'escalations-mailbox']);
    expect(caseRoles(manager)).toEqual(['business-manager']);
    expect(await needToKnow.mayRead(manager, row)).toBe(true);
    expect(actorFor(manager, row, 'partnership')).toMatchObject({ role: 'business-manager' });
  });
});
