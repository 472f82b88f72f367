import { getProtocol, parseProtocol, type Protocol } from '@resolve/protocols';
import type { EscalationAction } from './actions';
import type { Effect } from './effects';
import { applyAction, startEscalation, validateAction } from './engine';
import type { Actor, EscalationState } from './types';

const T0 = new Date('2026-05-18T08:30:00Z');

/** Sefton's protocol with an escalations mailbox and each agency's safeguarding unit told at every stage. */
function seftonInforming(): Protocol {
  const json = JSON.parse(JSON.stringify(getProtocol('sefton-sscp')));
  json.id = 'sefton-informing';
  json.informedAtEveryStage = [
    { partnershipRole: 'quality-assurance-manager', why: "the partnership's escalations mailbox" },
    { agencyRole: 'safeguarding-lead', why: "each agency's safeguarding unit" },
  ];
  return parseProtocol(json, 'sefton-informing.json');
}

const practitioner = (side: 'raising' | 'receiving'): Actor => ({
  personId: `${side}-p`,
  agencyId: side === 'raising' ? 'csc' : 'police',
  role: 'practitioner',
  side,
  heldRoles: ['practitioner'],
});

function raise(protocol: Protocol) {
  return startEscalation(
    {
      escalationId: 'e1',
      reference: 'REF-1',
      partnershipId: protocol.partnership.id,
      protocol,
      raisedAt: T0.toISOString(),
      category: protocol.categories[0].id,
      immediateRisk: false,
      raisingAgencyId: 'csc',
      receivingAgencyId: 'police',
      raisedBy: practitioner('raising'),
      actionId: 'a0',
      rules: 2,
    },
    T0,
  );
}

function act(protocol: Protocol, state: EscalationState, action: EscalationAction): Effect[] {
  validateAction(protocol, state, action, T0);
  return applyAction(protocol, state, action, T0);
}

const notices = (effects: Effect[], event: string) =>
  effects.filter((e): e is Extract<Effect, { type: 'notify' }> => e.type === 'notify' && e.event === event);

const INFORMED = {
  parties: false,
  agencyRoles: ['safeguarding-lead'],
  sides: ['raising', 'receiving'],
  partnershipRoles: ['quality-assurance-manager'],
};

describe('recipients informed at every stage (informedAtEveryStage)', () => {
  const protocol = seftonInforming();

  it('tells them when the case is raised, and records it', () => {
    const { state, effects } = raise(protocol);
    expect(notices(effects, 'informed')).toEqual([
      expect.objectContaining({
        audience: INFORMED,
        key: 'e1:informed:t1:professional-to-professional:every-stage',
      }),
    ]);
    expect(state.timeline.find((e) => e.type === 'informed')?.detail).toEqual({
      atEveryStage: true,
      stage: 'professional-to-professional',
      roles: 'quality-assurance-manager safeguarding-lead',
    });
  });

  it('tells them at each tier the case enters', () => {
    const { state } = raise(protocol);
    const effects = act(protocol, state, {
      kind: 'escalate',
      actor: practitioner('raising'),
      actionId: 'a1',
      reasonGiven: true,
    });
    expect(notices(effects, 'informed').map((n) => [n.tier, n.audience])).toEqual([[2, INFORMED]]);
  });

  it('tells them of an early resolution, with the closing notice', () => {
    const { state } = raise(protocol);
    act(protocol, state, { kind: 'resolve', actor: practitioner('raising'), actionId: 'r1' });
    const effects = act(protocol, state, {
      kind: 'resolve',
      actor: practitioner('receiving'),
      actionId: 'r2',
    });
    expect(state.status).toBe('resolved');
    const [closed] = notices(effects, 'closed');
    expect(closed.audience.partnershipRoles).toContain('quality-assurance-manager');
    expect(closed.audience.agencyRoles).toContain('safeguarding-lead');
    expect(closed.audience.sides).toEqual(['raising', 'receiving']);
    expect(state.timeline.at(-1)).toMatchObject({ type: 'informed', detail: { stage: 'closed' } });
  });

  it('changes nothing for a protocol that names none', () => {
    const sefton = getProtocol('sefton-sscp');
    const { state, effects } = raise(sefton);
    expect(notices(effects, 'informed')).toEqual([]);
    expect(state.timeline.some((e) => e.type === 'informed')).toBe(false);
  });

  it('refuses a recipient naming both kinds of role, or neither', () => {
    for (const recipient of [
      { partnershipRole: 'business-manager', agencyRole: 'safeguarding-lead', why: 'x' },
      { why: 'x' },
    ]) {
      const json = JSON.parse(JSON.stringify(getProtocol('sefton-sscp')));
      json.informedAtEveryStage = [recipient];
      expect(() => parseProtocol(json, 'x.json')).toThrow(
        /informedAtEveryStage\[0\]: must name exactly one of partnershipRole or agencyRole/,
      );
    }
  });
});
