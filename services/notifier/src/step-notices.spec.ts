import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NotifyRequest } from '@resolve/contracts';
import { applyDeadline, fireTimers, startEscalation, type Actor, type Effect } from '@resolve/domain';
import {
  computeStepDeadlines,
  parseProtocol,
  registerProtocol,
  stepAsTier,
  tierReminderInstants,
} from '@resolve/protocols';
import { messageVariables, shippedProtocolLookup } from './message-content';
import { factsFrom } from './notice-facts';
import type { EscalationFacts } from './recipients';
import { loadTemplates, renderEmail } from './templates';

/**
 * The notices of a tier's consecutive steps (docs/protocols.md): a step's reminder and its
 * overdue alert tell its owner which step, when it is due, and what to do, from the projection.
 */
const protocol = parseProtocol(
  JSON.parse(
    readFileSync(join(__dirname, '../../../libs/protocols/test-fixtures/two-step-referral.json'), 'utf8'),
  ),
  'two-step-referral.json',
);
registerProtocol(protocol, 'step-notices.spec.ts');

const ID = '5d1c9a7e-2f3b-4c5d-8e9f-0a1b2c3d4e5f';
const RAISED = new Date('2026-05-21T09:00:00Z'); // Thu 21 May 2026; Mon 25 May is a bank holiday
const raiser: Actor = { personId: 'p-csc', agencyId: 'csc', role: 'practitioner', side: 'raising' };
const escalation: EscalationFacts = {
  id: ID,
  reference: 'STEP-2026-0001',
  partnershipId: 'sefton-sscp',
  partnershipName: 'Sefton',
  emailDetail: 'reference-only',
  protocolId: protocol.id,
  protocolVersion: protocol.version,
  category: 'thresholds',
  immediateRisk: false,
  tierNumber: 1,
  tierKey: protocol.tiers[0].key,
  raisingAgencyId: 'csc',
  receivingAgencyId: 'police',
  raisingPersonId: 'p-csc',
  receivingPersonId: 'p-police',
};
const templates = loadTemplates();

/** A raised case with its steps counted as the worker's deadline activity counts them. */
function raised() {
  const { state } = startEscalation(
    {
      escalationId: ID,
      reference: escalation.reference,
      partnershipId: 'sefton-sscp',
      protocol,
      raisedAt: RAISED.toISOString(),
      category: 'thresholds',
      immediateRisk: false,
      raisingAgencyId: 'csc',
      receivingAgencyId: 'police',
      raisedBy: raiser,
      actionId: 'a0',
      rules: 2,
    },
    RAISED,
  );
  const tier = protocol.tiers[0];
  const counted = computeStepDeadlines(protocol, tier, {
    escalationStartedAt: RAISED,
    tierStartedAt: RAISED,
    previousDeadline: null,
    immediateRisk: false,
  });
  applyDeadline(
    state,
    {
      tierKey: tier.key,
      dueAt: null,
      explanation: counted.tier.explanation,
      reminders: [],
      calendarVersion: 'test',
      steps: counted.steps.map((s, i) => ({
        key: s.key,
        startedAt: s.startedAt,
        dueAt: s.dueAt?.toISOString() ?? null,
        explanation: s.explanation,
        reminders: s.dueAt
          ? tierReminderInstants(protocol, stepAsTier(tier, tier.steps![i]), RAISED, s.dueAt)
          : [],
      })),
    },
    RAISED,
  );
  return state;
}

function emailFor(state: ReturnType<typeof raised>, effects: Effect[], event: NotifyRequest['event']) {
  const notice = effects.find(
    (e): e is Extract<Effect, { type: 'notify' }> => e.type === 'notify' && e.event === event,
  );
  if (!notice) throw new Error(`no ${event} notice`);
  const request: NotifyRequest = { escalationId: ID, ...notice };
  const facts = factsFrom(JSON.parse(JSON.stringify(state)), request, RAISED);
  return renderEmail(
    templates,
    event,
    messageVariables(
      {
        escalation,
        protocol: shippedProtocolLookup(protocol.id, protocol.version),
        event,
        tier: 1,
        publicBaseUrl: 'https://resolve.example.test',
        facts,
        agencyNames: { csc: "Sefton Children's Social Care", police: 'Merseyside Police' },
      },
      { name: 'Alex Smith', side: 'raising' },
    ),
  );
}

describe('step notices', () => {
  it("remind the step's owner which step is due, and when", () => {
    const state = raised();
    // Halfway through the form's time in working hours: Fri 22 May 13:30 BST.
    const effects = fireTimers(protocol, state, new Date('2026-05-22T12:30:00.000Z'));
    const email = emailFor(state, effects, 'step-due-soon');
    expect(email.subject).toBe('Step due soon: escalation STEP-2026-0001');
    expect(email.text).toContain(
      'The step "Referral form issued" is due Tuesday 26 May 2026, 17:00 (UK time).',
    );
    expect(email.text).toContain(
      'The step "Referral form issued" is yours: complete it and record it on the case page',
    );
  });

  it("tell the step's owner it is overdue, and that the next step counts from its completion", () => {
    const state = raised();
    const effects = fireTimers(protocol, state, new Date('2026-05-26T16:00:00.000Z'));
    const email = emailFor(state, effects, 'step-overdue');
    expect(email.subject).toBe('Step overdue: escalation STEP-2026-0001');
    expect(email.text).toContain(
      'The step "Referral form issued" was due Tuesday 26 May 2026, 17:00 (UK time).',
    );
    expect(email.text).toContain('is yours and is now overdue');
    expect(email.text).toContain('The steps after it count from when it is complete.');
  });
});
