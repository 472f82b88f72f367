import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getProtocol, parseProtocol, type Protocol } from '@resolve/protocols';
import { ActionRefused, type EscalationAction } from './actions';
import { applyAction, applyDeadline, startEscalation, validateAction } from './engine';
import type { Actor, EscalationState } from './types';

/**
 * Every refusal code the engine gives, each reached by the shortest way a person could reach
 * it, with the state left as it was. The last test reads the engine's sources for the codes it
 * can give, so a new refusal without a case here fails (issue 17: "every refusal code of the
 * engine appears in a test").
 */

const T0 = new Date('2026-05-18T08:30:00Z');
const PAST = '2026-05-01T09:00:00.000Z';
const LATER = '2026-06-30T16:00:00.000Z';

function agency(side: 'raising' | 'receiving', role: Actor['role']): Actor {
  const agencyId = side === 'raising' ? 'csc' : 'police';
  return { personId: `${agencyId}-${role}`, agencyId, role, side };
}
const partnership = (role: Actor['role'], personId = `p-${role}`): Actor => ({
  personId,
  agencyId: null,
  role,
  side: 'partnership',
});

interface Case {
  protocol: Protocol;
  state: EscalationState;
}

function start(protocolId: string, opts: { rules?: 1 | 2; immediateRisk?: boolean } = {}): Case {
  const protocol = getProtocol(protocolId);
  const { state } = startEscalation(
    {
      escalationId: 'e1',
      reference: 'REF-1',
      partnershipId: protocol.partnership.id,
      protocol,
      raisedAt: T0.toISOString(),
      category: protocol.categories[0].id,
      immediateRisk: opts.immediateRisk ?? false,
      raisingAgencyId: 'csc',
      receivingAgencyId: 'police',
      raisedBy: agency('raising', protocol.tiers[0].roles.raising[0]),
      actionId: 'a0',
      ...((opts.rules ?? 2) === 2 ? { rules: 2 as const } : {}),
    },
    T0,
  );
  return { protocol, state };
}

function act(c: Case, action: EscalationAction) {
  validateAction(c.protocol, c.state, action, T0);
  applyAction(c.protocol, c.state, action, T0);
  return c;
}

/** The tier's own acting role for a side, as the API would send it. */
function actingAgency(c: Case, side: 'raising' | 'receiving'): Actor {
  const tier = c.protocol.tiers.find((t) => t.key === c.state.tier.key)!;
  return agency(side, tier.roles[side][0]);
}

function setDue(c: Case, dueAt: string) {
  applyDeadline(
    c.state,
    { tierKey: c.state.tier.key, dueAt, explanation: 'test', reminders: [], calendarVersion: 'v' },
    T0,
  );
  return c;
}

/** Moves the case up to tier n by the raising side's own escalations (route at the last step). */
function reach(c: Case, n: number, route?: string): Case {
  let i = 0;
  while (c.state.tier.number < n) {
    const last = c.state.tier.number + 1 === n;
    act(c, {
      kind: 'escalate',
      reasonGiven: true,
      actor: actingAgency(c, 'raising'),
      actionId: `esc-${i++}`,
      ...(last && route ? { route } : {}),
    });
  }
  return c;
}

/** The refusal code, checking the refusal explains itself and leaves the state untouched. */
function refusal(c: Case, action: EscalationAction): string {
  const before = structuredClone(c.state);
  try {
    validateAction(c.protocol, c.state, action, T0);
  } catch (err) {
    if (!(err instanceof ActionRefused)) throw err;
    expect(err.message).toMatch(/\w+ \w+/);
    expect(c.state).toEqual(before);
    return err.code;
  }
  return 'accepted';
}

const planItem = (over: Partial<{ itemId: string; ownerAgencyId: string; dueAt: string }> = {}) => ({
  itemId: 'i1',
  ownerAgencyId: 'police',
  dueAt: LATER,
  ...over,
});

/** The test-only protocol whose step 1 is two consecutive deadlines (form issued, then reply). */
function twoStep(): Case {
  const file = join(__dirname, '../../protocols/test-fixtures/two-step-referral.json');
  const protocol = parseProtocol(JSON.parse(readFileSync(file, 'utf8')), 'two-step-referral.json');
  const { state } = startEscalation(
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
      raisedBy: agency('raising', 'practitioner'),
      actionId: 'a0',
      rules: 2,
    },
    T0,
  );
  return { protocol, state };
}
const completeStep = (actor: Actor, stepKey: string): EscalationAction => ({
  kind: 'complete-step',
  actor,
  actionId: `s-${stepKey}`,
  stepKey,
});

/** One case per code: how a person meets it. */
const CASES: Record<string, () => string> = {
  closed: () => {
    const c = start('sefton-sscp');
    act(c, { kind: 'withdraw', actor: c.state.raisedBy, actionId: 'w' });
    return refusal(c, { kind: 'respond', actor: actingAgency(c, 'receiving'), actionId: 'r' });
  },
  'not-your-tier': () => {
    const c = start('sefton-sscp');
    return refusal(c, { kind: 'resolve', actor: agency('receiving', 'head-of-service'), actionId: 'r' });
  },
  'wrong-side': () => {
    const c = start('lincolnshire-lscp');
    return refusal(c, { kind: 'acknowledge', actor: actingAgency(c, 'raising'), actionId: 'k' });
  },
  'already-acknowledged': () => {
    const c = start('lincolnshire-lscp');
    act(c, { kind: 'acknowledge', actor: actingAgency(c, 'receiving'), actionId: 'k1' });
    return refusal(c, { kind: 'acknowledge', actor: actingAgency(c, 'receiving'), actionId: 'k2' });
  },
  'no-timescale-here': () => {
    const c = reach(start('bscb'), 4);
    return refusal(c, {
      kind: 'acknowledge',
      actor: actingAgency(c, 'receiving'),
      actionId: 'k',
      resolveBy: LATER,
    });
  },
  'timescale-in-past': () => {
    const c = reach(start('bscb'), 4);
    return refusal(c, {
      kind: 'acknowledge',
      actor: partnership('independent-chair'),
      actionId: 'k',
      resolveBy: PAST,
    });
  },
  'empty-plan': () => {
    const c = start('sefton-sscp');
    return refusal(c, { kind: 'agree-plan', actor: actingAgency(c, 'raising'), actionId: 'p', items: [] });
  },
  'plan-item-in-past': () => {
    const c = start('sefton-sscp');
    return refusal(c, {
      kind: 'agree-plan',
      actor: actingAgency(c, 'raising'),
      actionId: 'p',
      items: [planItem({ dueAt: PAST })],
    });
  },
  'plan-item-owner': () => {
    const c = start('sefton-sscp');
    return refusal(c, {
      kind: 'agree-plan',
      actor: actingAgency(c, 'raising'),
      actionId: 'p',
      items: [planItem({ ownerAgencyId: 'an-agency-outside-the-case' })],
    });
  },
  'no-plan-proposed': () => {
    const c = start('sefton-sscp');
    return refusal(c, { kind: 'accept-plan', actor: actingAgency(c, 'receiving'), actionId: 'a' });
  },
  'unknown-plan-item': () => {
    const c = start('sefton-sscp');
    return refusal(c, {
      kind: 'complete-plan-item',
      actor: actingAgency(c, 'receiving'),
      actionId: 'd',
      itemId: 'no-such-item',
    });
  },
  'plan-item-done': () => {
    const c = start('sefton-sscp');
    act(c, { kind: 'agree-plan', actor: actingAgency(c, 'raising'), actionId: 'p', items: [planItem()] });
    act(c, { kind: 'accept-plan', actor: actingAgency(c, 'receiving'), actionId: 'a' });
    act(c, { kind: 'complete-plan-item', actor: actingAgency(c, 'receiving'), actionId: 'd1', itemId: 'i1' });
    return refusal(c, {
      kind: 'complete-plan-item',
      actor: actingAgency(c, 'receiving'),
      actionId: 'd2',
      itemId: 'i1',
    });
  },
  'already-confirmed': () => {
    const c = start('bscb');
    act(c, { kind: 'resolve', actor: actingAgency(c, 'raising'), actionId: 'r1' });
    return refusal(c, { kind: 'resolve', actor: actingAgency(c, 'raising'), actionId: 'r2' });
  },
  'final-tier': () => {
    const c = reach(start('sefton-sscp'), 4);
    return refusal(c, {
      kind: 'escalate',
      reasonGiven: true,
      actor: actingAgency(c, 'raising'),
      actionId: 'e',
    });
  },
  'reason-required': () => {
    const c = start('sefton-sscp');
    return refusal(c, { kind: 'escalate', actor: actingAgency(c, 'raising'), actionId: 'e' });
  },
  'route-required': () => {
    const c = reach(start('lincolnshire-lscp'), 3);
    return refusal(c, {
      kind: 'escalate',
      reasonGiven: true,
      actor: actingAgency(c, 'raising'),
      actionId: 'e',
    });
  },
  'unknown-route': () => {
    const c = reach(start('lincolnshire-lscp'), 3);
    return refusal(c, {
      kind: 'escalate',
      reasonGiven: true,
      actor: actingAgency(c, 'raising'),
      actionId: 'e',
      route: 'no-such-route',
    });
  },
  'no-route-choice': () => {
    const c = start('sefton-sscp');
    return refusal(c, {
      kind: 'escalate',
      reasonGiven: true,
      actor: actingAgency(c, 'raising'),
      actionId: 'e',
      route: 'urgent-chaired-meeting',
    });
  },
  'already-flagged': () => {
    const c = start('bscb', { immediateRisk: true });
    return refusal(c, { kind: 'flag-immediate-risk', actor: c.state.raisedBy, actionId: 'f' });
  },
  'extensions-not-allowed': () => {
    const c = setDue(start('sefton-sscp'), '2026-05-20T16:00:00.000Z');
    return refusal(c, {
      kind: 'propose-extension',
      actor: actingAgency(c, 'receiving'),
      actionId: 'x',
      dueAt: LATER,
    });
  },
  'extension-pending': () => {
    const c = setDue(start('bscb'), '2026-05-20T16:00:00.000Z');
    const receiver = actingAgency(c, 'receiving');
    act(c, { kind: 'propose-extension', actor: receiver, actionId: 'x1', dueAt: '2026-05-27T16:00:00.000Z' });
    return refusal(c, { kind: 'propose-extension', actor: receiver, actionId: 'x2', dueAt: LATER });
  },
  'immediate-risk': () => {
    const c = setDue(start('bscb', { immediateRisk: true }), '2026-05-20T16:00:00.000Z');
    return refusal(c, {
      kind: 'propose-extension',
      actor: actingAgency(c, 'receiving'),
      actionId: 'x',
      dueAt: LATER,
    });
  },
  'no-deadline': () => {
    // Sutton §6's last step has no timescale: there is nothing to extend.
    const c = reach(start('sutton-strategic'), 3);
    return refusal(c, {
      kind: 'propose-extension',
      actor: actingAgency(c, 'receiving'),
      actionId: 'x',
      dueAt: LATER,
    });
  },
  'not-later': () => {
    const c = setDue(start('bscb'), '2026-05-20T16:00:00.000Z');
    return refusal(c, {
      kind: 'propose-extension',
      actor: actingAgency(c, 'receiving'),
      actionId: 'x',
      dueAt: '2026-05-19T16:00:00.000Z',
    });
  },
  'no-extension': () => {
    const c = setDue(start('bscb'), '2026-05-20T16:00:00.000Z');
    return refusal(c, { kind: 'accept-extension', actor: actingAgency(c, 'raising'), actionId: 'x' });
  },
  'no-meeting-here': () => {
    const c = start('sefton-sscp');
    return refusal(c, {
      kind: 'schedule-meeting',
      actor: actingAgency(c, 'raising'),
      actionId: 'm',
      meetingKind: 'meeting',
      at: LATER,
    });
  },
  'meeting-in-past': () => {
    const c = reach(start('sefton-sscp'), 4);
    return refusal(c, {
      kind: 'schedule-meeting',
      actor: partnership('independent-chair'),
      actionId: 'm',
      meetingKind: 'meeting',
      at: PAST,
    });
  },
  'not-the-chair': () => {
    const c = reach(start('sefton-sscp'), 4);
    return refusal(c, { kind: 'record-decision', actor: actingAgency(c, 'raising'), actionId: 'd' });
  },
  'not-final-tier': () => {
    const c = start('sefton-sscp');
    return refusal(c, { kind: 'record-decision', actor: partnership('independent-chair'), actionId: 'd' });
  },
  'no-chair-appointed': () => {
    const c = reach(start('sefton-sscp'), 4);
    return refusal(c, { kind: 'record-decision', actor: partnership('independent-chair'), actionId: 'd' });
  },
  'not-the-appointed-chair': () => {
    const c = reach(start('sefton-sscp'), 4);
    act(c, {
      kind: 'appoint-chair',
      actor: partnership('business-manager'),
      actionId: 'c',
      chairPersonId: 'chair-a',
    });
    return refusal(c, {
      kind: 'record-decision',
      actor: partnership('independent-chair', 'chair-b'),
      actionId: 'd',
    });
  },
  'unknown-outcome': () => {
    // BSCB stage 4 ends in mediation or a resolution panel; its chair is not appointed per case.
    const c = reach(start('bscb'), 4);
    return refusal(c, {
      kind: 'record-decision',
      actor: partnership('independent-chair'),
      actionId: 'd',
      outcome: 'no-such-outcome',
    });
  },
  'already-referred': () => {
    const c = start('sefton-sscp');
    act(c, { kind: 'refer-learning', actor: partnership('business-manager'), actionId: 'l1' });
    return refusal(c, { kind: 'refer-learning', actor: partnership('business-manager'), actionId: 'l2' });
  },
  'no-appointment': () => {
    // BSCB's chair is not appointed on the case.
    const c = reach(start('bscb'), 4);
    return refusal(c, {
      kind: 'appoint-chair',
      actor: partnership('business-manager'),
      actionId: 'c',
      chairPersonId: 'chair-a',
    });
  },
  'not-the-appointer': () => {
    const c = reach(start('sefton-sscp'), 4);
    return refusal(c, {
      kind: 'appoint-chair',
      actor: partnership('independent-chair'),
      actionId: 'c',
      chairPersonId: 'chair-a',
    });
  },
  'already-decided': () => {
    // Not reachable through actions today: recording the decision closes the case, so
    // `closed` answers first. The rule is still the engine's, so a crafted state checks it.
    const c = reach(start('sefton-sscp'), 4);
    c.state.decision = {
      at: T0.toISOString(),
      by: partnership('independent-chair'),
      actionId: 'd',
      outcome: null,
    };
    return refusal(c, {
      kind: 'appoint-chair',
      actor: partnership('business-manager'),
      actionId: 'c',
      chairPersonId: 'chair-a',
    });
  },
  // A named closing outcome (Sutton 7.3, version 2): recorded by the roles it names, where it names.
  'no-named-outcomes': () =>
    refusal(start('sefton-sscp'), {
      kind: 'record-outcome',
      actor: agency('raising', 'practitioner'),
      actionId: 'o',
      outcome: 'lead-does-not-concur',
      accountGiven: true,
    }),
  'not-at-this-tier': () =>
    refusal(start('sutton-cp-conference'), {
      kind: 'record-outcome',
      actor: agency('raising', 'safeguarding-lead'),
      actionId: 'o',
      outcome: 'not-challenged-further',
      accountGiven: true,
    }),
  'not-your-role': () =>
    refusal(start('sutton-cp-conference'), {
      kind: 'record-outcome',
      actor: agency('receiving', 'safeguarding-lead'),
      actionId: 'o',
      outcome: 'lead-does-not-concur',
      accountGiven: true,
    }),
  'account-required': () =>
    refusal(start('sutton-cp-conference'), {
      kind: 'record-outcome',
      actor: agency('raising', 'safeguarding-lead'),
      actionId: 'o',
      outcome: 'lead-does-not-concur',
    }),
  // Sutton 7.3: whether the answer is unsatisfactory is the dissenting side's to judge.
  'not-the-judge': () => {
    const c = start('sutton-cp-conference');
    return refusal(c, {
      kind: 'escalate',
      actor: agency('receiving', 'safeguarding-lead'),
      actionId: 'e',
      reasonGiven: true,
    });
  },
  // Consecutive deadlines in one tier: each step is its owner's, in order, once.
  'no-steps': () =>
    refusal(start('sefton-sscp'), completeStep(agency('raising', 'practitioner'), 'form-issued')),
  'unknown-step': () => refusal(twoStep(), completeStep(agency('raising', 'practitioner'), 'form-sent')),
  'not-step-owner': () =>
    refusal(twoStep(), completeStep(agency('receiving', 'practitioner'), 'form-issued')),
  'step-out-of-order': () =>
    refusal(twoStep(), completeStep(agency('receiving', 'practitioner'), 'reply-recorded')),
  'step-complete': () => {
    const c = twoStep();
    act(c, completeStep(agency('raising', 'practitioner'), 'form-issued'));
    return refusal(c, completeStep(agency('raising', 'practitioner'), 'form-issued'));
  },
  // Lincolnshire step 4: urgency is the SLOs' decision, with a reason, before step 4 is reached.
  'no-urgency-decision': () =>
    refusal(start('sefton-sscp'), {
      kind: 'decide-urgency',
      actor: agency('raising', 'head-of-service'),
      actionId: 'u',
      urgent: true,
      reasonGiven: true,
    }),
  'urgent-required': () =>
    refusal(start('lincolnshire-lscp'), {
      kind: 'decide-urgency',
      actor: agency('raising', 'senior-liaison-officer'),
      actionId: 'u',
      reasonGiven: true,
    } as unknown as EscalationAction),
  'route-taken': () =>
    refusal(reach(start('lincolnshire-lscp'), 4, 'urgent-chaired-meeting'), {
      kind: 'decide-urgency',
      actor: agency('receiving', 'senior-liaison-officer'),
      actionId: 'u',
      urgent: false,
      reasonGiven: true,
    }),
  'route-against-urgency': () => {
    const c = reach(start('lincolnshire-lscp'), 3);
    act(c, {
      kind: 'decide-urgency',
      actor: agency('raising', 'senior-liaison-officer'),
      actionId: 'u',
      urgent: false,
      reasonGiven: true,
    });
    return refusal(c, {
      kind: 'escalate',
      actor: actingAgency(c, 'raising'),
      actionId: 'e',
      reasonGiven: true,
      route: 'urgent-chaired-meeting',
    });
  },
  // 001 s117 aftercare: the plan names how the step was held, from the tier's formats.
  'format-required': () => {
    const c = start('lincolnshire-joint-s117');
    c.state.tierFormatRequired = true;
    return refusal(c, {
      kind: 'agree-plan',
      actor: actingAgency(c, 'raising'),
      actionId: 'p',
      items: [planItem()],
    });
  },
  'format-not-allowed': () =>
    refusal(start('lincolnshire-joint-s117'), {
      kind: 'agree-plan',
      actor: actingAgency(start('lincolnshire-joint-s117'), 'raising'),
      actionId: 'p',
      items: [planItem()],
      heldAs: 'discussion',
    }),
  'not-the-raiser': () => {
    const c = start('sefton-sscp');
    return refusal(c, { kind: 'withdraw', actor: actingAgency(c, 'receiving'), actionId: 'w' });
  },
};

describe('every refusal of the engine', () => {
  for (const [code, reachIt] of Object.entries(CASES)) {
    it(`refuses with ${code}, explaining why and changing nothing`, () => {
      expect(reachIt()).toBe(code);
    });
  }

  it('refuses with not-your-tier for a learning referral by an agency role that does not act at the tier', () => {
    // refer-learning checks the tier's roles itself (partnership roles may refer at any step).
    const c = start('sefton-sscp');
    expect(
      refusal(c, { kind: 'refer-learning', actor: agency('receiving', 'head-of-service'), actionId: 'l' }),
    ).toBe('not-your-tier');
    expect(
      refusal(c, { kind: 'refer-learning', actor: partnership('business-manager'), actionId: 'l' }),
    ).toBe('accepted');
  });

  it('under the first rules, refuses a chair appointment with no-appointment', () => {
    const c = reach(start('sefton-sscp', { rules: 1 }), 4);
    expect(
      refusal(c, {
        kind: 'appoint-chair',
        actor: partnership('business-manager'),
        actionId: 'c',
        chairPersonId: 'chair-a',
      }),
    ).toBe('no-appointment');
  });

  it('has a case here for every refusal code in the engine’s sources', () => {
    const dir = __dirname;
    const codes = new Set<string>();
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.spec.ts'))) {
      const source = readFileSync(join(dir, file), 'utf8');
      for (const m of source.matchAll(/(?:refuse|new ActionRefused)\(\s*'([a-z-]+)'/g)) codes.add(m[1]);
    }
    expect(codes.size).toBeGreaterThan(20); // the pattern still finds the engine's codes
    expect([...codes].sort()).toEqual(Object.keys(CASES).sort());
  });
});
