import { getProtocol, type Protocol } from '@resolve/protocols';
import { ActionRefused, type EscalationAction } from './actions';
import { availableActions } from './available-actions';
import { applyAction, applyDeadline, fireTimers, startEscalation, validateAction } from './engine';
import type { Actor, EscalationState } from './types';
import { urgencyExplanation } from './urgency-and-formats';

const T0 = new Date('2026-05-18T08:30:00Z');
const LATER = '2026-06-30T16:00:00.000Z';
const LINCOLNSHIRE = [
  'lincolnshire-lscp',
  'lincolnshire-joint-children',
  'lincolnshire-joint-adults',
  'lincolnshire-joint-s117',
];
const DECIDED_BY_NOBODY = ['sefton-sscp', 'bscb', 'sutton-lscp', 'sutton-cp-conference', 'sutton-strategic'];

function agency(side: 'raising' | 'receiving', role: Actor['role']): Actor {
  const agencyId = side === 'raising' ? 'csc' : 'police';
  return { personId: `${agencyId}-${role}`, agencyId, role, side };
}
const partnership = (role: Actor['role']): Actor => ({
  personId: `p-${role}`,
  agencyId: null,
  role,
  side: 'partnership',
});

interface Case {
  protocol: Protocol;
  state: EscalationState;
}

function start(
  protocolId: string,
  opts: { immediateRisk?: boolean; tierFormatRequired?: boolean } = {},
): Case {
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
      rules: 2,
      ...(opts.tierFormatRequired ? { tierFormatRequired: true } : {}),
    },
    T0,
  );
  return { protocol, state };
}

function act(c: Case, action: EscalationAction) {
  validateAction(c.protocol, c.state, action, T0);
  return applyAction(c.protocol, c.state, action, T0);
}

/** The refusal's code and message, or 'accepted'. */
function attempt(c: Case, action: EscalationAction): { code: string; message: string } {
  try {
    validateAction(c.protocol, c.state, action, T0);
    return { code: 'accepted', message: '' };
  } catch (err) {
    if (!(err instanceof ActionRefused)) throw err;
    return { code: err.code, message: err.message };
  }
}

const actingAt = (c: Case, side: 'raising' | 'receiving') =>
  agency(side, c.protocol.tiers.find((t) => t.key === c.state.tier.key)!.roles[side][0]);

/** Up to tier n by the raising side's escalations (the steps before the route choice). */
function reach(c: Case, n: number): Case {
  let i = 0;
  while (c.state.tier.number < n)
    act(c, { kind: 'escalate', reasonGiven: true, actor: actingAt(c, 'raising'), actionId: `esc-${i++}` });
  return c;
}

const decide = (
  urgent: boolean,
  actor: Actor = agency('raising', 'senior-liaison-officer'),
  reasonGiven = true,
): EscalationAction => ({ kind: 'decide-urgency', actor, actionId: `u-${urgent}`, urgent, reasonGiven });

/** The tier's deadline passes with nobody acting. */
function lapse(c: Case) {
  const dueAt = '2026-05-20T16:00:00.000Z';
  applyDeadline(
    c.state,
    { tierKey: c.state.tier.key, dueAt, explanation: 't', reminders: [], calendarVersion: 'v' },
    T0,
  );
  return fireTimers(c.protocol, c.state, new Date('2026-05-20T16:00:01Z'));
}

describe('decide-urgency (urgency decided by the roles the protocol names)', () => {
  describe.each(LINCOLNSHIRE)('%s', (id) => {
    it('names the SLOs of either agency, and refuses everyone else with who decides', () => {
      for (const side of ['raising', 'receiving'] as const) {
        expect(attempt(start(id), decide(true, agency(side, 'senior-liaison-officer'))).code).toBe(
          'accepted',
        );
        for (const role of ['practitioner', 'line-manager', 'head-of-service'] as const) {
          const refused = attempt(start(id), decide(true, agency(side, role)));
          expect(refused.code).toBe('not-your-role');
          expect(refused.message).toContain(
            "decided by the raising agency's senior liaison officer, or the receiving agency's senior liaison officer",
          );
          expect(refused.message).toContain(`you hold ${role.replace(/-/g, ' ')}`);
        }
      }
      for (const role of ['independent-chair', 'business-manager'] as const)
        expect(attempt(start(id), decide(true, partnership(role))).code).toBe('not-your-role');
    });

    it('asks for a reason, and can no longer change once step 4 is reached', () => {
      expect(attempt(start(id), decide(true, undefined, false)).code).toBe('reason-required');
      const c = reach(start(id), 3);
      act(c, decide(true));
      act(c, { kind: 'escalate', reasonGiven: true, actor: actingAt(c, 'raising'), actionId: 'to-4' });
      const refused = attempt(c, decide(false, agency('receiving', 'senior-liaison-officer')));
      expect(refused.code).toBe('route-taken');
      expect(refused.message).toMatch(/step 4, which the case has reached/);
    });

    it('is recorded on the timeline and the case, with the role it was decided in', () => {
      const c = start(id);
      act(c, decide(false));
      act(c, decide(true, agency('receiving', 'senior-liaison-officer')));
      expect(c.state.urgency).toMatchObject({ urgent: true, decidedAs: 'senior-liaison-officer' });
      expect(c.state.urgency!.by.side).toBe('receiving');
      expect(c.state.urgent).toBe(true);
      expect(c.state.immediateRisk).toBe(false);
      const entries = c.state.timeline.filter((e) => e.type === 'urgency-decided');
      expect(entries.map((e) => e.detail)).toEqual([
        { urgent: false, previous: null, decidedAs: 'senior-liaison-officer' },
        { urgent: true, previous: false, decidedAs: 'senior-liaison-officer' },
      ]);
      expect(entries[1].actionId).toBe('u-true');
    });

    it('names the route of step 4 when the SLOs escalate without naming one', () => {
      const urgent = reach(start(id), 3);
      act(urgent, decide(true));
      act(urgent, { kind: 'escalate', reasonGiven: true, actor: actingAt(urgent, 'raising'), actionId: 'e' });
      expect(urgent.state.tier.route).toBe('urgent-chaired-meeting');
      expect(urgent.state.status).toBe('open');
      expect(
        urgent.state.timeline.find((e) => e.type === 'escalated' && e.detail.to === 4)?.detail,
      ).toMatchObject({
        route: 'urgent-chaired-meeting',
        routeBecause: 'urgency-decided',
      });

      const notUrgent = reach(start(id), 3);
      act(notUrgent, decide(false));
      act(notUrgent, {
        kind: 'escalate',
        reasonGiven: true,
        actor: actingAt(notUrgent, 'raising'),
        actionId: 'e',
      });
      expect(notUrgent.state.tier.route).toBe('learning-referral');
      expect(notUrgent.state.status).toBe('referred-for-learning');
    });

    it('refuses a route against the decision, naming the route it leads to', () => {
      const c = reach(start(id), 3);
      act(c, decide(false));
      const refused = attempt(c, {
        kind: 'escalate',
        reasonGiven: true,
        actor: actingAt(c, 'raising'),
        actionId: 'e',
        route: 'urgent-chaired-meeting',
      });
      expect(refused).toEqual({
        code: 'route-against-urgency',
        message:
          'the case was decided not urgent, so its next step is learning-referral; decide urgency again first to take urgent-chaired-meeting',
      });
    });

    it("on a lapse of step 3: decided urgent enters the chaired meeting; otherwise waits for the SLOs' choice", () => {
      const urgent = reach(start(id), 3);
      act(urgent, decide(true));
      lapse(urgent);
      expect(urgent.state.tier).toMatchObject({
        number: 4,
        route: 'urgent-chaired-meeting',
        enteredBecause: 'deadline-breached',
      });

      const notUrgent = reach(start(id), 3);
      act(notUrgent, decide(false));
      const effects = lapse(notUrgent);
      expect(notUrgent.state.tier.number).toBe(3);
      expect(notUrgent.state.status).toBe('open');
      expect(notUrgent.state.timeline.at(-1)).toMatchObject({
        type: 'route-choice-awaited',
        detail: { routes: 'urgent-chaired-meeting learning-referral', urgent: false },
      });
      expect(effects.some((e) => e.type === 'notify' && e.event === 'route-choice-needed')).toBe(true);

      const undecided = reach(start(id), 3);
      lapse(undecided);
      expect(undecided.state.tier.number).toBe(3);
      expect(undecided.state.timeline.at(-1)?.detail).toEqual({
        routes: 'urgent-chaired-meeting learning-referral',
      });
    });

    it('keeps immediate risk apart: it cannot be decided away, and it still takes the urgent route', () => {
      const flagged = start(id, { immediateRisk: true });
      const refused = attempt(flagged, decide(false));
      expect(refused.code).toBe('immediate-risk');
      expect(attempt(flagged, decide(true)).code).toBe('accepted');

      const c = reach(start(id), 3);
      act(c, decide(false));
      act(c, { kind: 'flag-immediate-risk', actor: actingAt(c, 'receiving'), actionId: 'f' });
      expect(c.state.urgency?.urgent).toBe(false);
      expect(c.state.immediateRisk).toBe(true);
      act(c, { kind: 'escalate', reasonGiven: true, actor: actingAt(c, 'raising'), actionId: 'e' });
      expect(c.state.tier.route).toBe('urgent-chaired-meeting');
    });

    it('is offered to the SLOs only, before step 4', () => {
      const c = start(id);
      expect(
        availableActions(c.protocol, c.state, agency('receiving', 'senior-liaison-officer'), T0),
      ).toContain('decide-urgency');
      expect(availableActions(c.protocol, c.state, agency('raising', 'practitioner'), T0)).not.toContain(
        'decide-urgency',
      );
    });

    it('explains where the urgency comes from', () => {
      const c = start(id);
      expect(urgencyExplanation(c.protocol, c.state)).toMatch(
        /^Not decided yet: the raising agency's senior liaison officer, or the receiving agency's senior liaison officer decide whether the case is urgent \(00[01] Step 4/,
      );
      act(c, decide(true, agency('receiving', 'senior-liaison-officer')));
      expect(urgencyExplanation(c.protocol, c.state)).toMatch(
        /^Urgent: decided by the receiving agency's senior liaison officer; step 4 is then .*chaired meeting/i,
      );
    });
  });

  it.each(DECIDED_BY_NOBODY)(
    '%s names nobody: refused, and urgency follows immediate risk as before',
    (id) => {
      const refused = attempt(start(id), decide(true, agency('raising', 'senior-liaison-officer')));
      expect(refused.code).toBe('no-urgency-decision');
      expect(refused.message).toMatch(/names nobody who decides urgency; urgency follows immediate risk/);
      expect(start(id).state.urgent).toBe(false);
      expect(start(id, { immediateRisk: true }).state.urgent).toBe(true);
    },
  );

  it('refuses a case pinned to a Lincolnshire version from before the setting (v3)', () => {
    const protocol = getProtocol('lincolnshire-lscp');
    const c = start('lincolnshire-lscp');
    const v3 = { ...protocol, version: 3, urgencyDecidedBy: undefined };
    expect(() => validateAction(v3, c.state, decide(true), T0)).toThrow(/lincolnshire-lscp v3 names nobody/);
  });
});

describe('heldAs (how a tier is held: conductedAs)', () => {
  const plan = (actor: Actor, heldAs?: string): EscalationAction => ({
    kind: 'agree-plan',
    actor,
    actionId: 'p',
    items: [{ itemId: 'i1', ownerAgencyId: 'police', dueAt: LATER }],
    ...(heldAs ? { heldAs } : {}),
  });

  it('s117 aftercare: a plan names line-manager intervention or a multi-disciplinary meeting', () => {
    const c = start('lincolnshire-joint-s117', { tierFormatRequired: true });
    const raiser = agency('raising', 'line-manager');
    expect(attempt(c, plan(raiser))).toEqual({
      code: 'format-required',
      message:
        'say how tier 1 (Step 1: direct professional to professional discussion (s117: line manager intervention or multi-disciplinary meeting)) is held (heldAs): line-manager-intervention or multi-disciplinary-meeting, as the protocol says (001 Step 1; 001 s117 paragraph)',
    });
    const wrong = attempt(c, plan(raiser, 'discussion'));
    expect(wrong.code).toBe('format-not-allowed');
    expect(wrong.message).toMatch(
      /is held as line-manager-intervention or multi-disciplinary-meeting \(.*\); "discussion" is not one of them/,
    );
    act(c, plan(raiser, 'multi-disciplinary-meeting'));
    expect(c.state.planProposal?.heldAs).toBe('multi-disciplinary-meeting');
    expect(c.state.timeline.at(-1)).toMatchObject({
      type: 'plan-proposed',
      detail: { heldAs: 'multi-disciplinary-meeting' },
    });
    act(c, { kind: 'accept-plan', actor: agency('receiving', 'line-manager'), actionId: 'ok' });
    expect(c.state.timeline.at(-1)).toMatchObject({
      type: 'plan-agreed',
      detail: { heldAs: 'multi-disciplinary-meeting' },
    });
  });

  it('s117 aftercare: the chaired meeting names its format too', () => {
    const c = reach(start('lincolnshire-joint-s117', { tierFormatRequired: true }), 3);
    act(c, decide(true));
    act(c, { kind: 'escalate', reasonGiven: true, actor: actingAt(c, 'raising'), actionId: 'e' });
    const meeting = (heldAs?: string): EscalationAction => ({
      kind: 'schedule-meeting',
      actor: partnership('independent-chair'),
      actionId: 'm',
      meetingKind: 'chaired-meeting',
      at: LATER,
      ...(heldAs ? { heldAs } : {}),
    });
    expect(attempt(c, meeting()).code).toBe('format-required');
    act(c, meeting('line-manager-intervention'));
    expect(c.state.tier.meeting?.heldAs).toBe('line-manager-intervention');
    expect(c.state.timeline.at(-1)?.detail).toMatchObject({ heldAs: 'line-manager-intervention' });
  });

  it('offers the plan at an s117 step (the offer names a format)', () => {
    const c = start('lincolnshire-joint-s117', { tierFormatRequired: true });
    expect(availableActions(c.protocol, c.state, agency('raising', 'line-manager'), T0)).toContain(
      'agree-plan',
    );
  });

  it('a case raised before the rule replays as it ran: a plan without a format is accepted', () => {
    const c = start('lincolnshire-joint-s117');
    expect(attempt(c, plan(agency('raising', 'line-manager'))).code).toBe('accepted');
  });

  it('where the tier names no format, any known format or none is accepted', () => {
    const c = start('lincolnshire-joint-children', { tierFormatRequired: true });
    const raiser = agency('raising', 'practitioner');
    expect(attempt(c, plan(raiser)).code).toBe('accepted');
    expect(attempt(c, plan(raiser, 'line-manager-intervention')).code).toBe('accepted');
    expect(attempt(c, plan(raiser, 'a-chat'))).toEqual({
      code: 'format-not-allowed',
      message: 'heldAs must be one of: discussion, line-manager-intervention, multi-disciplinary-meeting',
    });
  });
});
