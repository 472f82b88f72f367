import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  computeStepDeadlines,
  parseProtocol,
  stepAsTier,
  tierReminderInstants,
  type Protocol,
} from '@resolve/protocols';
import { ActionRefused, type EscalationAction } from './actions';
import { availableActions } from './available-actions';
import type { Effect } from './effects';
import {
  applyAction,
  applyDeadline,
  applyRecountedDeadline,
  fireTimers,
  nextWakeAt,
  startEscalation,
  summarise,
  validateAction,
  type DeadlineResult,
} from './engine';
import type { Actor, EscalationState } from './types';

/**
 * A tier with two consecutive deadlines for different owners (docs/protocols.md, "Consecutive
 * deadlines in one tier"): the test-only protocol's step 1 is a referral form issued by the
 * raising agency within 2 working days, then the receiving agency's reply within 3 working days
 * of the form.
 */
const protocol: Protocol = parseProtocol(
  JSON.parse(
    readFileSync(path.resolve(__dirname, '../../protocols/test-fixtures/two-step-referral.json'), 'utf8'),
  ),
  'two-step-referral.json',
);

// Thu 21 May 2026 10:00 BST; Mon 25 May is the spring bank holiday.
const T0 = new Date('2026-05-21T09:00:00Z');

const raiser: Actor = {
  personId: 'p-raise',
  agencyId: 'csc',
  role: 'practitioner',
  side: 'raising',
  heldRoles: ['practitioner'],
};
const receiver: Actor = {
  personId: 'p-recv',
  agencyId: 'police',
  role: 'practitioner',
  side: 'receiving',
  heldRoles: ['practitioner'],
};
const businessManager: Actor = {
  personId: 'bm',
  agencyId: null,
  role: 'business-manager',
  side: 'partnership',
  heldRoles: ['business-manager'],
};

/** The deadline activity's answer (services/worker deadlines.ts), from the same pure functions. */
function counted(
  state: EscalationState,
  request: Extract<Effect, { type: 'compute-deadline' }>,
): DeadlineResult {
  const tier = protocol.tiers.find((t) => t.key === request.tierKey)!;
  const result = computeStepDeadlines(protocol, tier, {
    escalationStartedAt: new Date(request.escalationStartedAt),
    tierStartedAt: new Date(request.tierStartedAt),
    previousDeadline: null,
    immediateRisk: request.immediateRisk,
    completedAt: request.stepsCompletedAt,
  });
  return {
    tierKey: tier.key,
    dueAt: result.tier.dueAt?.toISOString() ?? null,
    explanation: result.tier.explanation,
    reminders: [],
    calendarVersion: 'test',
    steps: result.steps.map((s, i) => ({
      key: s.key,
      startedAt: s.startedAt,
      dueAt: s.dueAt?.toISOString() ?? null,
      explanation: s.explanation,
      reminders:
        s.dueAt && s.startedAt
          ? tierReminderInstants(protocol, stepAsTier(tier, tier.steps![i]), new Date(s.startedAt), s.dueAt)
          : [],
    })),
  };
}

function raised() {
  const { state, effects } = startEscalation(
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
      raisedBy: raiser,
      actionId: 'a0',
      rules: 2,
    },
    T0,
  );
  const request = effects.find(
    (e): e is Extract<Effect, { type: 'compute-deadline' }> => e.type === 'compute-deadline',
  )!;
  applyDeadline(state, counted(state, request), T0);
  return state;
}

const complete = (actor: Actor, stepKey: string, actionId = `done-${stepKey}`): EscalationAction => ({
  kind: 'complete-step',
  actor,
  actionId,
  stepKey,
});

/** Validates and applies, then carries out a recount the way the workflow does. */
function act(state: EscalationState, action: EscalationAction, at: Date): Effect[] {
  validateAction(protocol, state, action, at);
  const effects = applyAction(protocol, state, action, at);
  for (const e of effects) {
    if (e.type === 'recount-deadline')
      applyRecountedDeadline(
        state,
        counted(state, { type: 'compute-deadline', ...e.request }),
        e.because,
        at,
      );
  }
  return effects;
}

const refusal = (fn: () => void) => {
  try {
    fn();
  } catch (err) {
    if (err instanceof ActionRefused) return { code: err.code, message: err.message };
    throw err;
  }
  throw new Error('expected a refusal');
};

describe('a tier with consecutive deadlines (steps)', () => {
  it('gives the first step its own due instant and reminders; the second waits for the first', () => {
    const state = raised();
    const [form, reply] = state.tier.steps!;
    expect(form).toMatchObject({
      key: 'form-issued',
      side: 'raising',
      // 2 working days from Thu 21 May, across the weekend and the bank holiday: Tue 26 at 17:00.
      dueAt: '2026-05-26T16:00:00.000Z',
      // Halfway in working time (Fri 22 at 13:30) and the morning of the due day: neither on the
      // weekend nor on the bank holiday.
      reminders: ['2026-05-22T12:30:00.000Z', '2026-05-26T08:00:00.000Z'],
    });
    expect(reply).toMatchObject({ key: 'reply-recorded', side: 'receiving', dueAt: null, reminders: [] });
    // The tier is due with its last step, projected until the form is issued: the form taken as
    // issued at its deadline, 3 working days after Tue 26 May.
    expect(state.tier.dueAt).toBe('2026-05-29T16:00:00.000Z');
    expect(nextWakeAt(state)).toBe('2026-05-22T12:30:00.000Z');
    expect(state.timeline.filter((e) => e.type === 'step-deadline-set')).toEqual([
      expect.objectContaining({
        detail: expect.objectContaining({
          step: 'form-issued',
          owner: 'raising',
          dueAt: '2026-05-26T16:00:00.000Z',
        }),
      }),
    ]);
  });

  it("reminds only the step's owner, inside working time", () => {
    const state = raised();
    const effects = fireTimers(protocol, state, new Date('2026-05-22T12:30:00.000Z'));
    expect(effects).toEqual([
      expect.objectContaining({
        type: 'notify',
        event: 'step-due-soon',
        // The raising agency's practitioner of the case only, not the receiving one.
        audience: {
          parties: true,
          partySides: ['raising'],
          agencyRoles: [],
          sides: ['raising'],
          partnershipRoles: [],
        },
        key: 'e1:step-due-soon:t1:form-issued:2026-05-22T12:30:00.000Z',
      }),
    ]);
    expect(state.timeline.at(-1)).toMatchObject({ type: 'step-due-soon', detail: { step: 'form-issued' } });
  });

  it("alerts the step's owner when it is overdue, and the tier waits (no advance on an inner step)", () => {
    const state = raised();
    const effects = fireTimers(protocol, state, new Date('2026-05-26T16:00:00.000Z'));
    // A reminder whose instant has passed with the deadline is not sent late: the alert says it.
    expect(effects.map((e) => e.type === 'notify' && e.event)).toEqual(['step-overdue']);
    expect(effects[0]).toMatchObject({
      audience: { sides: ['raising'], partnershipRoles: [] },
      key: 'e1:step-overdue:t1:form-issued',
    });
    expect(state.tier).toMatchObject({ number: 1, breachedAt: null });
    expect(state.tier.steps![0].overdueAt).toBe('2026-05-26T16:00:00.000Z');
    expect(state.timeline.at(-1)).toMatchObject({
      type: 'step-overdue',
      detail: { step: 'form-issued', owner: 'raising', dueAt: '2026-05-26T16:00:00.000Z' },
    });
    // Alerted once: what is timed now is the tier's own projected deadline.
    expect(nextWakeAt(state)).toBe('2026-05-29T16:00:00.000Z');
  });

  it('breaches the tier at its projected date when the first step is never completed', () => {
    const state = raised();
    fireTimers(protocol, state, new Date('2026-05-26T16:00:00.000Z'));
    const effects = fireTimers(protocol, state, new Date('2026-05-29T16:00:00.000Z'));
    // The reply was never due (no form to reply to): no alert to its owner, only the tier's breach.
    expect(effects.filter((e) => e.type === 'notify').map((e) => e.type === 'notify' && e.event)).toEqual([
      'deadline-breached',
      'tier-entered',
    ]);
    expect(state.tier.number).toBe(2);
    expect(state.timeline.find((e) => e.type === 'deadline-breached')).toMatchObject({
      tier: 1,
      detail: { dueAt: '2026-05-29T16:00:00.000Z' },
    });
  });

  it("refuses anyone but the step's owner, saying who completes it", () => {
    const state = raised();
    expect(refusal(() => validateAction(protocol, state, complete(receiver, 'form-issued'), T0))).toEqual({
      code: 'not-step-owner',
      message: `"Referral form issued" is completed by the raising agency's practitioner`,
    });
    expect(
      refusal(() => validateAction(protocol, state, complete(businessManager, 'form-issued'), T0)).code,
    ).toBe('not-step-owner');
    expect(availableActions(protocol, state, receiver, T0)).not.toContain('complete-step');
    expect(availableActions(protocol, state, raiser, T0)).toContain('complete-step');
  });

  it('refuses a later step before the one before it, an unknown step and a step done twice', () => {
    const state = raised();
    expect(refusal(() => validateAction(protocol, state, complete(receiver, 'reply-recorded'), T0))).toEqual({
      code: 'step-out-of-order',
      message: '"Referral form issued" comes first; it is not complete yet',
    });
    expect(refusal(() => validateAction(protocol, state, complete(raiser, 'nope'), T0))).toEqual({
      code: 'unknown-step',
      message: 'stepKey must be one of: form-issued, reply-recorded',
    });
    act(state, complete(raiser, 'form-issued'), new Date('2026-05-22T09:00:00Z'));
    expect(refusal(() => validateAction(protocol, state, complete(raiser, 'form-issued'), T0)).code).toBe(
      'step-complete',
    );
  });

  it("counts step 2 from step 1's completion, and the tier's deadline with it", () => {
    const state = raised();
    const issued = new Date('2026-05-28T14:00:00.000Z'); // Thu 28 May 15:00 BST, two days late
    fireTimers(protocol, state, new Date('2026-05-26T16:00:00.000Z'));
    const effects = act(state, complete(raiser, 'form-issued'), issued);
    expect(effects).toEqual([
      expect.objectContaining({
        type: 'recount-deadline',
        because: 'step-completed',
        request: expect.objectContaining({ stepsCompletedAt: { 'form-issued': issued.toISOString() } }),
      }),
    ]);
    const [form, reply] = state.tier.steps!;
    expect(form).toMatchObject({
      completedAt: issued.toISOString(),
      // Recorded in the role they acted in (ruleset 2), without every role they hold.
      completedBy: { personId: 'p-raise', side: 'raising', role: 'practitioner' },
    });
    expect(reply).toMatchObject({
      startedAt: issued.toISOString(),
      // 3 working days from Thu 28: Fri 29, Mon 1 Jun, Tue 2 Jun at 17:00 BST.
      dueAt: '2026-06-02T16:00:00.000Z',
      // Halfway in working time: Mon 1 Jun 12:00 BST; then the morning of the due day.
      reminders: ['2026-06-01T11:00:00.000Z', '2026-06-02T08:00:00.000Z'],
    });
    expect(state.tier.dueAt).toBe('2026-06-02T16:00:00.000Z');
    const types = state.timeline.map((e) => e.type);
    expect(types.slice(-3)).toEqual(['step-completed', 'step-deadline-set', 'deadline-recomputed']);
    expect(state.timeline.find((e) => e.type === 'step-completed')).toMatchObject({
      actor: expect.objectContaining({ personId: 'p-raise' }),
      detail: { step: 'form-issued', owner: 'raising', late: true },
    });
    expect(summarise(state).steps).toEqual([
      expect.objectContaining({ key: 'form-issued', state: 'complete' }),
      expect.objectContaining({ key: 'reply-recorded', state: 'due', dueAt: '2026-06-02T16:00:00.000Z' }),
    ]);
  });

  it("alerts the reply's owner and breaches the tier when the last step lapses", () => {
    const state = raised();
    act(state, complete(raiser, 'form-issued'), new Date('2026-05-21T13:00:00Z'));
    const due = state.tier.steps![1].dueAt!;
    const effects = fireTimers(protocol, state, new Date(due));
    const notices = effects.filter((e): e is Extract<Effect, { type: 'notify' }> => e.type === 'notify');
    expect(notices[0]).toMatchObject({
      event: 'step-overdue',
      audience: { partySides: ['receiving'], sides: ['receiving'], partnershipRoles: [] },
      key: 'e1:step-overdue:t1:reply-recorded',
    });
    // The tier's own breach follows (Sefton's step 1 advances to step 2).
    expect(notices[1]).toMatchObject({ event: 'deadline-breached', tier: 1 });
    expect(state.tier.number).toBe(2);
    expect(state.tier).not.toHaveProperty('steps');
  });

  it('meets the tier when the last step is done by its owner: no breach follows', () => {
    const state = raised();
    act(state, complete(raiser, 'form-issued'), new Date('2026-05-21T13:00:00Z'));
    expect(refusal(() => validateAction(protocol, state, complete(raiser, 'reply-recorded'), T0)).code).toBe(
      'not-step-owner',
    );
    const effects = act(state, complete(receiver, 'reply-recorded'), new Date('2026-05-22T10:00:00Z'));
    expect(effects).toEqual([]);
    expect(state.tier.metAt).toBe('2026-05-22T10:00:00.000Z');
    expect(nextWakeAt(state)).toBeNull();
    expect(fireTimers(protocol, state, new Date('2026-06-30T00:00:00Z'))).toEqual([]);
    expect(state.tier.number).toBe(1);
  });

  it('refuses step completion on a tier without steps', () => {
    const state = raised();
    act(state, complete(raiser, 'form-issued'), new Date('2026-05-21T13:00:00Z'));
    fireTimers(protocol, state, new Date(state.tier.steps![1].dueAt!));
    expect(refusal(() => validateAction(protocol, state, complete(receiver, 'reply-recorded'), T0))).toEqual({
      code: 'no-steps',
      message: expect.stringContaining('has no steps to complete'),
    });
  });
});

describe('a date people set for a stepped tier', () => {
  it("keeps the chair's timescale for resolution when a step's completion counts the steps again", () => {
    const json = JSON.parse(JSON.stringify(protocol));
    json.id = 'two-step-with-chair';
    json.tiers[0].partnershipRoles = ['independent-chair'];
    const withChair = parseProtocol(json, 'two-step-with-chair.json');
    const { state, effects } = startEscalation(
      {
        escalationId: 'e2',
        reference: 'REF-2',
        partnershipId: withChair.partnership.id,
        protocol: withChair,
        raisedAt: T0.toISOString(),
        category: withChair.categories[0].id,
        immediateRisk: false,
        raisingAgencyId: 'csc',
        receivingAgencyId: 'police',
        raisedBy: raiser,
        actionId: 'a0',
        rules: 2,
      },
      T0,
    );
    const request = effects.find(
      (e): e is Extract<Effect, { type: 'compute-deadline' }> => e.type === 'compute-deadline',
    )!;
    applyDeadline(state, counted(state, request), T0);
    const chair: Actor = {
      personId: 'chair',
      agencyId: null,
      role: 'independent-chair',
      side: 'partnership',
      heldRoles: ['independent-chair'],
    };
    const resolveBy = '2026-06-30T16:00:00.000Z';
    const acknowledge: EscalationAction = { kind: 'acknowledge', actor: chair, actionId: 'ack', resolveBy };
    validateAction(withChair, state, acknowledge, T0);
    applyAction(withChair, state, acknowledge, T0);
    expect(state.tier.dueAt).toBe(resolveBy);

    const at = new Date('2026-05-22T09:00:00Z');
    const done = complete(raiser, 'form-issued');
    validateAction(withChair, state, done, at);
    const [recount] = applyAction(withChair, state, done, at);
    if (recount.type !== 'recount-deadline') throw new Error('expected a recount');
    const tier = withChair.tiers[0];
    const steps = computeStepDeadlines(withChair, tier, {
      escalationStartedAt: T0,
      tierStartedAt: T0,
      previousDeadline: null,
      immediateRisk: false,
      completedAt: recount.request.stepsCompletedAt,
    });
    applyRecountedDeadline(
      state,
      {
        tierKey: tier.key,
        dueAt: steps.tier.dueAt!.toISOString(),
        explanation: steps.tier.explanation,
        reminders: [],
        calendarVersion: 'test',
        steps: steps.steps.map((s) => ({ ...s, dueAt: s.dueAt?.toISOString() ?? null, reminders: [] })),
      },
      recount.because,
      at,
    );
    // The reply is counted from the form; the tier stays due at the chair's date.
    expect(state.tier.steps![1].dueAt).toBe('2026-05-28T16:00:00.000Z');
    expect(state.tier.dueAt).toBe(resolveBy);
    expect(state.tier.deadlinePending).toBe(false);
  });
});
