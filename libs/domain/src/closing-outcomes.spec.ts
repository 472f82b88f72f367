import { getProtocol, getProtocolVersion, type Protocol } from '@resolve/protocols';
import { ActionRefused, type EscalationAction } from './actions';
import { availableActions } from './available-actions';
import { applyAction, isClosed, startEscalation, validateAction } from './engine';
import type { Actor, EscalationState } from './types';

const T0 = new Date('2026-05-18T08:30:00Z');
const SUTTON = getProtocol('sutton-cp-conference');

const raiser: Actor = {
  personId: 'p1',
  agencyId: 'health',
  role: 'practitioner',
  side: 'raising',
  heldRoles: ['practitioner'],
};
const lead: Actor = {
  ...raiser,
  personId: 'dsl',
  role: 'safeguarding-lead',
  heldRoles: ['safeguarding-lead'],
};
const conferenceSide: Actor = { ...lead, personId: 'csc-dsl', agencyId: 'csc', side: 'receiving' };

function raise(protocol: Protocol = SUTTON): EscalationState {
  return startEscalation(
    {
      escalationId: 'e1',
      reference: 'REF-1',
      partnershipId: protocol.partnership.id,
      protocol,
      raisedAt: T0.toISOString(),
      category: protocol.categories[0].id,
      immediateRisk: false,
      raisingAgencyId: 'health',
      receivingAgencyId: 'csc',
      raisedBy: raiser,
      actionId: 'a0',
      rules: 2,
    },
    T0,
  ).state;
}

const outcome = (actor: Actor, key: string, accountGiven = true): EscalationAction => ({
  kind: 'record-outcome',
  actor,
  actionId: 'a1',
  outcome: key,
  accountGiven,
});

function act(state: EscalationState, action: EscalationAction, protocol: Protocol = SUTTON) {
  validateAction(protocol, state, action, T0);
  return applyAction(protocol, state, action, T0);
}

const refusalOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    if (err instanceof ActionRefused) return { code: err.code, message: err.message };
    throw err;
  }
  return null;
};

describe('record-outcome (named closing outcomes)', () => {
  it('closes Sutton 7.3 when the designated lead does not concur, with its own timeline entry and notice', () => {
    const state = raise();
    const effects = act(state, outcome(lead, 'lead-does-not-concur'));
    expect(state.status).toBe('closed-with-outcome');
    expect(isClosed(state)).toBe(true);
    expect(state.outcome).toEqual({
      key: 'lead-does-not-concur',
      at: T0.toISOString(),
      by: expect.anything(),
      actionId: 'a1',
    });
    expect(state.timeline.map((e) => e.type).slice(-2)).toEqual(['outcome-recorded', 'closed']);
    expect(state.timeline.at(-2)).toMatchObject({
      actionId: 'a1',
      detail: {
        outcome: 'lead-does-not-concur',
        recordedAs: 'safeguarding-lead',
        title: expect.stringMatching(/^Not taken further/),
      },
    });
    expect(state.timeline.at(-1)?.detail).toEqual({ status: 'closed-with-outcome' });
    expect(effects).toContainEqual(expect.objectContaining({ type: 'notify', event: 'closed' }));
    expect(effects).toContainEqual({ type: 'close' });
  });

  it('refuses the outcome to a role it does not name, naming who records it', () => {
    const state = raise();
    expect(refusalOf(() => act(state, outcome(raiser, 'lead-does-not-concur')))).toEqual({
      code: 'not-your-role',
      message: expect.stringMatching(/is recorded by the raising agency's safeguarding lead$/),
    });
    expect(refusalOf(() => act(state, outcome(conferenceSide, 'lead-does-not-concur')))?.code).toBe(
      'not-your-role',
    );
    expect(state.status).toBe('open');
  });

  it('refuses it at a tier it is not named for, and an outcome the protocol does not name', () => {
    const state = raise();
    expect(refusalOf(() => act(state, outcome(lead, 'not-challenged-further')))).toEqual({
      code: 'not-at-this-tier',
      message: expect.stringContaining('is recorded at tier 2; the case is at tier 1'),
    });
    expect(refusalOf(() => act(state, outcome(lead, 'referred-to-the-moon')))).toEqual({
      code: 'unknown-outcome',
      message: 'outcome must be one of: lead-does-not-concur, not-challenged-further',
    });
  });

  it('asks for its account', () => {
    expect(refusalOf(() => act(raise(), outcome(lead, 'lead-does-not-concur', false)))?.code).toBe(
      'account-required',
    );
  });

  it('is refused under a protocol, or a pinned version, that names none', () => {
    const v1 = getProtocolVersion('sutton-cp-conference', 1);
    expect(refusalOf(() => act(raise(v1), outcome(lead, 'lead-does-not-concur'), v1))?.code).toBe(
      'no-named-outcomes',
    );
    // A definition pinned before the field existed has no closingOutcomes at all.
    const { closingOutcomes: _none, ...pinnedBefore } = v1;
    const old = pinnedBefore as Protocol;
    expect(refusalOf(() => act(raise(old), outcome(lead, 'lead-does-not-concur'), old))?.code).toBe(
      'no-named-outcomes',
    );
  });

  it('is offered to the roles it names at its tier, and only to them', () => {
    const state = raise();
    expect(availableActions(SUTTON, state, lead, T0)).toContain('record-outcome');
    expect(availableActions(SUTTON, state, raiser, T0)).not.toContain('record-outcome');
    expect(
      availableActions(getProtocol('sefton-sscp'), raise(getProtocol('sefton-sscp')), raiser, T0),
    ).not.toContain('record-outcome');
  });
});

describe('who judges an unsatisfactory answer (escalatedBy)', () => {
  const escalate = (actor: Actor): EscalationAction => ({
    kind: 'escalate',
    actor,
    actionId: 'e1',
    reasonGiven: true,
  });

  it("lets only the dissenting agency's lead escalate Sutton 7.3's tier 1, naming who judges", () => {
    const state = raise();
    expect(refusalOf(() => act(state, escalate(conferenceSide)))).toEqual({
      code: 'not-the-judge',
      message: expect.stringMatching(
        /^at tier 1 \(.*\) whether the answer is unsatisfactory, and the case escalates, is judged by the raising agency's safeguarding lead$/,
      ),
    });
    // The raiser acts at tier 1 but does not judge the lead's concurrence.
    expect(refusalOf(() => act(state, escalate(raiser)))?.code).toBe('not-the-judge');
    expect(availableActions(SUTTON, state, raiser, T0)).not.toContain('escalate');
    expect(availableActions(SUTTON, state, lead, T0)).toContain('escalate');
    act(state, escalate(lead));
    expect(state.tier.number).toBe(2);
  });

  it('lets the concerned professional escalate at tier 2, not the conference side', () => {
    const state = raise();
    act(state, escalate(lead));
    expect(refusalOf(() => act(state, { ...escalate(conferenceSide), actionId: 'e2' }))?.code).toBe(
      'not-the-judge',
    );
    act(state, { ...escalate(raiser), actionId: 'e3' });
    expect(state.tier.number).toBe(3);
  });

  it('keeps the tier roles where the protocol names no judge (Sefton)', () => {
    const sefton = getProtocol('sefton-sscp');
    const state = raise(sefton);
    const receiving: Actor = { ...raiser, personId: 'r', agencyId: 'csc', side: 'receiving' };
    act(state, escalate(receiving), sefton);
    expect(state.tier.number).toBe(2);
  });
});
