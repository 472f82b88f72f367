import { addNoteSignal, calendarChangedSignal, type EscalationSnapshot } from '@resolve/contracts';
import { getProtocol, parseProtocol, registerProtocol, tierAt } from '@resolve/protocols';
import {
  actionId,
  lastTierNumber,
  partnership,
  party,
  raise,
  settle,
  sleepUntil,
  tierActor,
  tierByKey,
  update,
  routeChoiceArgs,
  chairAppointment,
  type Case,
  type Harness,
} from './harness';
import { recordAction } from './support';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The cases whose histories are kept as replay fixtures (workflows/test/fixtures/histories/).
 * Each drives one escalation under the time-skipping server through a mix of timers, updates and
 * signals, and leaves it closed (or terminated, like a workflow still running when the code
 * changes). Together they cover every protocol and every action; see docs/workflow-evolution.md.
 *
 * A scenario's name is its fixture's file name. Never change what a recorded scenario does:
 * add a new scenario (a new name) instead, so the old fixture keeps standing for the workflows
 * that ran the old way.
 */
export interface Scenario {
  name: string;
  protocolId: string;
  immediateRisk?: boolean;
  /** Raised as the API raises a case since the tier's format is named (`tierFormatRequired`). */
  tierFormatRequired?: boolean;
  run(c: Case, h: Harness): Promise<void>;
}

const HOUR = 3600_000;
const DAY = 24 * HOUR;

/**
 * Sefton's protocol with a protective timescale its practitioners may set (no shipped protocol
 * has one), registered as a partnership's folder protocol would be, for the action
 * set-protective-deadline.
 */
const SEFTON_PROTECTIVE = 'sefton-sscp-protective';
{
  const json = JSON.parse(JSON.stringify(getProtocol('sefton-sscp')));
  json.id = SEFTON_PROTECTIVE;
  json.version = 1;
  json.tiers[0].protectiveDeadline = { setBy: ['practitioner'] };
  registerProtocol(parseProtocol(json, `${SEFTON_PROTECTIVE}.json`), 'scenarios.ts');
}

/**
 * The test-only protocol whose step 1 is two consecutive deadlines for different owners (the
 * referral form by the raising agency, then the reply by the receiving agency counted from the
 * form), registered as a partnership's folder protocol would be, for the action complete-step.
 */
const TWO_STEP = 'two-step-referral';
registerProtocol(
  parseProtocol(
    JSON.parse(
      readFileSync(join(__dirname, '../../libs/protocols/test-fixtures/two-step-referral.json'), 'utf8'),
    ),
    `${TWO_STEP}.json`,
  ),
  'scenarios.ts',
);

/** Completes one of the current tier's steps as its owner (the practitioner of its side). */
async function completeStep(c: Case, stepKey: string, side: 'raising' | 'receiving') {
  await update(c, 'complete-step', { actor: party(c.input, side, 'practitioner'), stepKey });
  return settle(c, (s) => !!s.tier.steps?.find((x) => x.key === stepKey)?.completedAt);
}

/** Lets the current tier's deadline pass; resolves once the workflow has dealt with it. */
async function breachCurrentTier(c: Case, h: Harness): Promise<EscalationSnapshot> {
  const before = await settle(c);
  if (!before.tier.dueAt) throw new Error(`${c.input.reference}: tier ${before.tier.key} has no deadline`);
  await sleepUntil(h, Date.parse(before.tier.dueAt) + 1000);
  return settle(c, (s) => s.breaches > before.breaches);
}

async function escalateTo(c: Case, n: number): Promise<EscalationSnapshot> {
  let state = await settle(c);
  while (state.tier.number < n && state.status === 'open') {
    await update(c, 'escalate', {
      reasonGiven: true,
      actor: tierActor(c.input, tierByKey(c.protocol, state.tier.key), 'raising'),
      ...routeChoiceArgs(c.protocol, state),
    });
    state = await settle(c);
  }
  return state;
}

async function resolveBoth(c: Case, options: { referLearning?: boolean } = {}) {
  const tier = tierByKey(c.protocol, (await settle(c)).tier.key);
  await update(c, 'resolve', { actor: tierActor(c.input, tier, 'raising') });
  await update(c, 'resolve', { actor: tierActor(c.input, tier, 'receiving'), ...options });
}

async function decide(c: Case, options: { outcome?: string; referLearning?: boolean } = {}) {
  const appointment = chairAppointment(c.input, c.protocol);
  if (appointment) await update(c, 'appoint-chair', appointment);
  await update(c, 'record-decision', {
    actor: partnership(c.input, c.protocol.finalDecision.by),
    ...options,
  });
}

async function expectStatus(c: Case, status: string) {
  const state = await settle(c);
  if (state.status !== status)
    throw new Error(`${c.input.reference}: expected ${status}, got ${state.status}`);
}

const inFuture = async (h: Harness, ms: number) => new Date((await h.env.currentTimeMs()) + ms).toISOString();

export const SCENARIOS: Scenario[] = [
  {
    name: 'sefton-sscp.breached-then-resolved-at-tier-2',
    protocolId: 'sefton-sscp',
    async run(c, h) {
      await breachCurrentTier(c, h);
      await resolveBoth(c);
      await expectStatus(c, 'resolved');
    },
  },
  {
    name: 'sefton-sscp.escalated-to-chair-meeting-decided',
    protocolId: 'sefton-sscp',
    async run(c, h) {
      await escalateTo(c, lastTierNumber(c.protocol));
      await update(c, 'schedule-meeting', {
        actor: partnership(c.input, 'independent-chair'),
        meetingKind: 'sscp-chaired',
        at: await inFuture(h, 2 * DAY),
      });
      await decide(c, { referLearning: true });
      await expectStatus(c, 'decided');
    },
  },
  {
    name: 'lincolnshire-lscp.nobody-acts-referred-for-learning',
    protocolId: 'lincolnshire-lscp',
    async run(c, h) {
      for (let i = 0; i < 3; i++) await breachCurrentTier(c, h);
      await expectStatus(c, 'referred-for-learning');
    },
  },
  {
    name: 'lincolnshire-joint-children.immediate-risk-chaired-meeting-decided',
    protocolId: 'lincolnshire-joint-children',
    immediateRisk: true,
    async run(c, h) {
      await breachCurrentTier(c, h);
      await escalateTo(c, lastTierNumber(c.protocol));
      await update(c, 'schedule-meeting', {
        actor: partnership(c.input, 'independent-chair'),
        meetingKind: 'urgent-chaired',
        at: await inFuture(h, 4 * HOUR),
      });
      await decide(c);
      await expectStatus(c, 'decided');
    },
  },
  {
    name: 'lincolnshire-joint-adults.flagged-mid-tier-plan-agreed-resolved',
    protocolId: 'lincolnshire-joint-adults',
    async run(c, h) {
      await sleepUntil(h, c.t0 + 2 * HOUR);
      await update(c, 'flag-immediate-risk', { actor: c.input.raisedBy });
      const tier = tierAt(c.protocol, 1);
      await update(c, 'acknowledge', { actor: tierActor(c.input, tier, 'receiving') });
      await update(c, 'agree-plan', {
        actor: tierActor(c.input, tier, 'raising'),
        items: [
          {
            itemId: '00000000-0000-4000-b000-000000000001',
            ownerAgencyId: c.input.receivingAgencyId,
            dueAt: await inFuture(h, 3 * DAY),
          },
        ],
      });
      await sleepUntil(h, c.t0 + 4 * DAY); // plan item reminder and overdue alert fire
      await update(c, 'complete-plan-item', {
        actor: tierActor(c.input, tier, 'receiving'),
        itemId: '00000000-0000-4000-b000-000000000001',
      });
      await resolveBoth(c);
      await expectStatus(c, 'resolved');
    },
  },
  {
    name: 'lincolnshire-joint-s117.note-refusal-withdrawn',
    protocolId: 'lincolnshire-joint-s117',
    async run(c) {
      const note = { actor: c.input.raisedBy, actionId: actionId() };
      await recordAction(c.h.db.dataSource, {
        escalationId: c.input.escalationId,
        kind: 'add-note',
        ...note,
      });
      await c.handle.signal(addNoteSignal, note);
      // Refused by the validator: never reaches the history as an accepted update.
      await update(c, 'withdraw', { actor: party(c.input, 'receiving', 'practitioner') }).then(
        () => {
          throw new Error('withdraw by the receiving practitioner was accepted');
        },
        () => undefined,
      );
      await update(c, 'withdraw', { actor: c.input.raisedBy });
      await expectStatus(c, 'withdrawn');
    },
  },
  {
    name: 'bscb.extension-agreed-then-chair-decides',
    protocolId: 'bscb',
    async run(c, h) {
      const state = await settle(c);
      const tier = tierAt(c.protocol, 1);
      const oldDue = Date.parse(state.tier.dueAt!);
      await update(c, 'propose-extension', {
        actor: tierActor(c.input, tier, 'receiving'),
        dueAt: new Date(oldDue + 2 * DAY).toISOString(),
      });
      await update(c, 'accept-extension', { actor: tierActor(c.input, tier, 'raising') });
      await sleepUntil(h, oldDue + HOUR); // the old deadline passes without a breach
      await update(c, 'respond', { actor: tierActor(c.input, tier, 'receiving') });
      await escalateTo(c, 4);
      await update(c, 'acknowledge', { actor: tierActor(c.input, tierAt(c.protocol, 4), 'receiving') });
      await decide(c, { outcome: 'resolution-panel' });
      await expectStatus(c, 'decided');
    },
  },
  {
    name: 'bscb.extension-breached-at-new-deadline',
    protocolId: 'bscb',
    async run(c, h) {
      const state = await settle(c);
      const tier = tierAt(c.protocol, 1);
      const newDue = Date.parse(state.tier.dueAt!) + 1 * DAY;
      await update(c, 'propose-extension', {
        actor: tierActor(c.input, tier, 'receiving'),
        dueAt: new Date(newDue).toISOString(),
      });
      await update(c, 'accept-extension', { actor: tierActor(c.input, tier, 'raising') });
      await sleepUntil(h, newDue + 1000);
      await settle(c, (s) => s.tier.number === 2);
      await resolveBoth(c);
      await expectStatus(c, 'resolved');
    },
  },
  {
    name: 'sutton-lscp.plan-items-resolved-with-learning',
    protocolId: 'sutton-lscp',
    async run(c, h) {
      const tier = tierAt(c.protocol, 1);
      await update(c, 'acknowledge', { actor: tierActor(c.input, tier, 'receiving') });
      await update(c, 'agree-plan', {
        actor: tierActor(c.input, tier, 'raising'),
        items: [
          {
            itemId: '00000000-0000-4000-b000-000000000002',
            ownerAgencyId: c.input.raisingAgencyId,
            dueAt: await inFuture(h, 2 * DAY),
          },
          {
            itemId: '00000000-0000-4000-b000-000000000003',
            ownerAgencyId: c.input.receivingAgencyId,
            dueAt: await inFuture(h, 5 * DAY),
          },
        ],
      });
      await sleepUntil(h, c.t0 + 3 * DAY);
      await update(c, 'complete-plan-item', {
        actor: tierActor(c.input, tier, 'raising'),
        itemId: '00000000-0000-4000-b000-000000000002',
      });
      await resolveBoth(c, { referLearning: true });
      await expectStatus(c, 'resolved');
    },
  },
  {
    name: 'sutton-cp-conference.extension-declined-responded-escalated-resolved',
    protocolId: 'sutton-cp-conference',
    async run(c) {
      const state = await settle(c);
      const tier = tierAt(c.protocol, 1);
      await update(c, 'propose-extension', {
        actor: tierActor(c.input, tier, 'raising'),
        dueAt: new Date(Date.parse(state.tier.dueAt!) + DAY).toISOString(),
      });
      await update(c, 'decline-extension', { actor: tierActor(c.input, tier, 'receiving') });
      await update(c, 'respond', { actor: tierActor(c.input, tier, 'receiving') });
      await escalateTo(c, 2);
      await update(c, 'schedule-meeting', {
        actor: partnership(c.input, 'safeguarding-manager'),
        meetingKind: 'review-conference',
        at: new Date(Date.parse(state.tier.dueAt!) + 3 * DAY).toISOString(),
      });
      await resolveBoth(c);
      await expectStatus(c, 'resolved');
    },
  },
  {
    // Patch named-outcomes: Sutton 7.3's designated lead does not concur; the case closes with it.
    name: 'sutton-cp-conference.lead-does-not-concur-closed-with-outcome',
    protocolId: 'sutton-cp-conference',
    async run(c) {
      await settle(c);
      await update(c, 'record-outcome', {
        actor: party(c.input, 'raising', 'safeguarding-lead'),
        outcome: 'lead-does-not-concur',
        accountGiven: true,
      });
      await expectStatus(c, 'closed-with-outcome');
    },
  },
  {
    // Patch protective-deadline-action: a protective timescale set after the raise, earlier than
    // the tier's own; the deadline is counted again and the tier lapses at the protective date.
    name: `${SEFTON_PROTECTIVE}.protective-deadline-set-then-breached`,
    protocolId: SEFTON_PROTECTIVE,
    async run(c, h) {
      const state = await settle(c);
      const dueAt = new Date(Date.parse(state.tier.dueAt!) - 4 * HOUR).toISOString();
      await update(c, 'set-protective-deadline', {
        actor: tierActor(c.input, tierAt(c.protocol, 1), 'raising'),
        dueAt,
        reasonGiven: true,
      });
      await settle(c, (s) => s.tier.dueAt === dueAt);
      await breachCurrentTier(c, h);
      await update(c, 'withdraw', { actor: party(c.input, 'raising', 'practitioner') });
      await expectStatus(c, 'withdrawn');
    },
  },
  {
    // Patch urgency-decision: the SLOs decide the case urgent (then, on second thoughts, the
    // other SLO too); step 3 lapses and the case takes the urgent chaired meeting they chose.
    name: 'lincolnshire-lscp.urgency-decided-step-3-lapses-to-chaired-meeting',
    protocolId: 'lincolnshire-lscp',
    async run(c, h) {
      await settle(c);
      await update(c, 'decide-urgency', {
        actor: party(c.input, 'raising', 'senior-liaison-officer'),
        urgent: false,
        reasonGiven: true,
      });
      await update(c, 'decide-urgency', {
        actor: party(c.input, 'receiving', 'senior-liaison-officer'),
        urgent: true,
        reasonGiven: true,
      });
      const at3 = await escalateTo(c, 3);
      if (at3.tier.number !== 3) throw new Error(`expected step 3, got ${at3.tier.key}`);
      await breachCurrentTier(c, h);
      const at4 = await settle(c, (s) => s.tier.number === 4);
      if (at4.tier.route !== 'urgent-chaired-meeting') throw new Error(`took ${at4.tier.route}`);
      await update(c, 'schedule-meeting', {
        actor: partnership(c.input, 'independent-chair'),
        meetingKind: 'chaired-meeting',
        at: await inFuture(h, 4 * HOUR),
      });
      await decide(c);
      await expectStatus(c, 'decided');
    },
  },
  {
    // s117 aftercare, raised as the API raises now: the plan names how the step was held.
    name: 'lincolnshire-joint-s117.plan-held-as-meeting-resolved',
    protocolId: 'lincolnshire-joint-s117',
    tierFormatRequired: true,
    async run(c, h) {
      await settle(c);
      const tier = tierAt(c.protocol, 1);
      await update(c, 'agree-plan', {
        actor: tierActor(c.input, tier, 'raising'),
        heldAs: 'multi-disciplinary-meeting',
        items: [
          {
            itemId: '00000000-0000-4000-b000-000000000117',
            ownerAgencyId: c.input.receivingAgencyId,
            dueAt: await inFuture(h, 5 * DAY),
          },
        ],
      });
      await update(c, 'accept-plan', { actor: tierActor(c.input, tier, 'receiving') });
      await resolveBoth(c);
      await expectStatus(c, 'resolved');
    },
  },
  {
    name: 'sutton-strategic.fast-track-untimed-final-tier-decided',
    protocolId: 'sutton-strategic',
    immediateRisk: true,
    async run(c, h) {
      await breachCurrentTier(c, h); // tier 2 (fast track) -> tier 3, untimed
      await c.handle.signal(calendarChangedSignal, { version: 'test' });
      await update(c, 'refer-learning', { actor: partnership(c.input, 'independent-chair') });
      await decide(c);
      await expectStatus(c, 'decided');
    },
  },
  {
    name: 'demo.nobody-acts-breached-final-tier-then-decided',
    protocolId: 'demo',
    async run(c, h) {
      for (let i = 0; i < 4; i++) await breachCurrentTier(c, h);
      await decide(c);
      await expectStatus(c, 'decided');
    },
  },
  {
    // Consecutive steps: the form's reminder and overdue alert to the raising side, the form
    // issued late, the reply counted from it and recorded by the receiving side, then resolution.
    name: `${TWO_STEP}.form-overdue-then-both-steps-completed`,
    protocolId: TWO_STEP,
    async run(c, h) {
      const state = await settle(c, (s) => !!s.tier.steps?.[0]?.dueAt);
      await sleepUntil(h, Date.parse(state.tier.steps![0].dueAt!) + 1000);
      await settle(c, (s) => !!s.tier.steps?.[0]?.overdueAt);
      await completeStep(c, 'form-issued', 'raising');
      await completeStep(c, 'reply-recorded', 'receiving');
      await resolveBoth(c);
      await expectStatus(c, 'resolved');
    },
  },
  {
    // The reply lapses: its owner is alerted and the tier's own breach moves the case to step 2.
    name: `${TWO_STEP}.reply-overdue-tier-breached`,
    protocolId: TWO_STEP,
    async run(c, h) {
      await completeStep(c, 'form-issued', 'raising');
      const state = await breachCurrentTier(c, h);
      if (state.tier.number !== 2)
        throw new Error(`${c.input.reference}: expected tier 2, at ${state.tier.number}`);
      await update(c, 'withdraw', { actor: party(c.input, 'raising', 'practitioner') });
      await expectStatus(c, 'withdrawn');
    },
  },
  {
    // Patch `notes-once`: the API's note relay signalled a note twice (a crash between its signal
    // and its mark), and both copies reached the workflow in one task. Applied once.
    name: 'lincolnshire-joint-s117.note-signalled-twice-withdrawn',
    protocolId: 'lincolnshire-joint-s117',
    async run(c) {
      const first = { actor: c.input.raisedBy, actionId: actionId() };
      const twice = { actor: c.input.raisedBy, actionId: actionId() };
      for (const note of [first, twice])
        await recordAction(c.h.db.dataSource, {
          escalationId: c.input.escalationId,
          kind: 'add-note',
          ...note,
        });
      await settle(c);
      // The two copies must reach the workflow together, both before either is authorised. A
      // lock on action_record (which the worker reads to authorise) holds the first note's
      // workflow task open; the server keeps the signals that arrive meanwhile and hands them
      // over together in the next task, as it does for a worker that is behind.
      const held = c.h.db.dataSource.createQueryRunner();
      await held.connect();
      await held.startTransaction();
      try {
        await held.query('LOCK TABLE action_record IN ACCESS EXCLUSIVE MODE');
        await c.handle.signal(addNoteSignal, first);
        await new Promise((r) => setTimeout(r, 300));
        await c.handle.signal(addNoteSignal, twice);
        await c.handle.signal(addNoteSignal, twice);
        await new Promise((r) => setTimeout(r, 1000));
      } finally {
        await held.rollbackTransaction();
        await held.release();
      }
      const state = await settle(c, (s) => s.timeline.some((e) => e.actionId === twice.actionId));
      for (const note of [first, twice]) {
        const copies = state.timeline.filter((e) => e.actionId === note.actionId).length;
        if (copies !== 1) throw new Error(`${c.input.reference}: a note was applied ${copies} times`);
      }
      await update(c, 'withdraw', { actor: c.input.raisedBy });
      await expectStatus(c, 'withdrawn');
    },
  },
  {
    name: 'demo.escalated-then-terminated-while-open',
    protocolId: 'demo',
    async run(c) {
      await escalateTo(c, 2);
      await c.handle.terminate('fixture: a workflow still running when the code changes');
    },
  },
];

/** Runs one scenario on a fresh escalation and returns its workflow handle once it has closed. */
export async function runScenario(h: Harness, s: Scenario): Promise<Case> {
  const c = await raise(h, s.protocolId, `FX-${s.name}`.slice(0, 60), {
    immediateRisk: s.immediateRisk ?? false,
    tierFormatRequired: s.tierFormatRequired ?? false,
  });
  await s.run(c, h);
  const description = await c.handle.describe();
  if (description.status.name === 'RUNNING') throw new Error(`${s.name}: the workflow is still running`);
  return c;
}
