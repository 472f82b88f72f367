import type { Actor } from '@resolve/domain';
import { CaseDriver } from '../test/support/case-driver';
import { messageVariables, shippedProtocolLookup } from './message-content';
import { factsFrom } from './notice-facts';
import type { EscalationFacts } from './recipients';
import { loadTemplates, renderEmail } from './templates';
import { instantInWords, readerSide, type ReaderSide } from './wording';

const ID = '0c6f5a8e-1d2b-4f3a-8b7c-9e0d1f2a3b4c';
const raiser: Actor = { personId: 'p-police', agencyId: 'police', role: 'practitioner', side: 'raising' };
/** Monday 30 November 2026, 09:00: step 1 is due Wednesday 2 December, 17:00. */
const RAISED = new Date('2026-11-30T09:00:00Z');
const protocol = shippedProtocolLookup('sefton-sscp');
const escalation: EscalationFacts = {
  id: ID,
  reference: 'SEF-2026-0100',
  partnershipId: 'sefton',
  partnershipName: 'Sefton',
  emailDetail: 'reference-only',
  protocolId: 'sefton-sscp',
  protocolVersion: 1,
  category: 'thresholds',
  immediateRisk: false,
  tierNumber: 1,
  tierKey: 'professional-to-professional',
  raisingAgencyId: 'police',
  receivingAgencyId: 'csc',
  raisingPersonId: 'p-police',
  receivingPersonId: 'p-csc',
};
const agencyNames = { police: 'Merseyside Police', csc: "Sefton Children's Social Care" };
const templates = loadTemplates();

const raise = () =>
  CaseDriver.raise({
    rules: 2,
    escalationId: ID,
    reference: escalation.reference,
    protocolId: 'sefton-sscp',
    raisingAgencyId: 'police',
    receivingAgencyId: 'csc',
    raisedBy: raiser,
    at: RAISED,
  });

function emailFor(driver: CaseDriver, event: Parameters<CaseDriver['last']>[0], side: ReaderSide) {
  const request = driver.last(event);
  const facts = factsFrom(driver.snapshot(), request, RAISED);
  return renderEmail(
    templates,
    event,
    messageVariables(
      {
        escalation: { ...escalation, tierNumber: request.tier },
        protocol,
        event,
        tier: request.tier,
        publicBaseUrl: 'https://resolve.example.test',
        facts,
        agencyNames,
      },
      { name: 'Alex Smith', side },
    ),
  );
}

describe('instantInWords', () => {
  it('says the UK time in words, GMT and BST', () => {
    expect(instantInWords('2026-12-04T17:00:00.000Z')).toBe('Friday 4 December 2026, 17:00');
    expect(instantInWords('2026-06-05T16:00:00.000Z')).toBe('Friday 5 June 2026, 17:00');
  });
});

describe('readerSide', () => {
  it('follows why the person is told', () => {
    expect(readerSide(['party:raising'])).toBe('raising');
    expect(readerSide(['receiving:line-manager'])).toBe('receiving');
    expect(readerSide(['partnership:business-manager'])).toBe('partnership');
    expect(readerSide([])).toBe('unknown');
  });
});

describe('what each reader is asked to do, and by when', () => {
  it('the receiver is asked to acknowledge and agree a plan by the deadline; the raiser is told it is with them', () => {
    const driver = raise();
    const receiver = emailFor(driver, 'escalation-raised', 'receiving');
    expect(receiver.text).toContain(
      "It is your agency's move: acknowledge the escalation and agree a plan of action, with timescales, with Merseyside Police by Wednesday 2 December 2026, 17:00.",
    );
    expect(receiver.text).toContain('Deadline: Wednesday 2 December 2026, 17:00 (UK time).');
    expect(receiver.text).toContain(
      'How it was worked out: counted as 2 working days from the start of this tier',
    );
    expect(receiver.text).toContain(
      'What the protocol says for this step (Step 1: direct professional to professional discussion, 002 Step 1): "This must occur immediately',
    );
    expect(receiver.html).toContain('It is your agency&#39;s move');

    const raiserEmail = emailFor(driver, 'escalation-raised', 'raising');
    expect(raiserEmail.text).toContain(
      "The escalation is with Sefton Children's Social Care, who must acknowledge it and agree a plan of action, with timescales, with you by Wednesday 2 December 2026, 17:00.",
    );
    expect(raiserEmail.text).not.toContain("It is your agency's move");

    const manager = emailFor(driver, 'escalation-raised', 'partnership');
    expect(manager.text).toContain('No action is needed from you unless the case page says so.');
  });

  it('the receiver of a proposed plan is asked to agree it; reminders and breaches name their deadline', () => {
    const driver = raise();
    driver.act(
      {
        kind: 'agree-plan',
        items: [{ itemId: 'i-1', ownerAgencyId: 'csc', dueAt: '2026-12-10T17:00:00.000Z' }],
        actor: raiser,
        actionId: 'plan-1',
      },
      RAISED,
    );
    const plan = emailFor(driver, 'plan-proposed', 'receiving');
    expect(plan.text).toContain(
      "It is your agency's move: agree the plan of action Merseyside Police proposed, or propose a changed one, by Wednesday 2 December 2026, 17:00.",
    );

    driver.advanceTo(2);
    const breach = emailFor(driver, 'deadline-breached', 'receiving');
    expect(breach.text).toContain(
      'The deadline missed: Step 1: direct professional to professional discussion, due Wednesday 2 December 2026, 17:00 (UK time).',
    );
    expect(breach.text).toContain('The case has moved to Step 2: direct manager to manager discussion.');
    expect(breach.text).toContain('Next deadline: Friday 4 December 2026, 17:00 (UK time).');
  });

  it('without the projection, the email still says whose move it is and points to the case page for the deadline', () => {
    const vars = messageVariables(
      { escalation, protocol, event: 'tier-entered', tier: 1, publicBaseUrl: 'https://resolve.example.test' },
      { name: 'A', side: 'receiving' },
    );
    expect(vars.whatToDo).toContain('by the deadline shown on the case page');
    expect(vars.deadlineLine).toBe('');
  });
});
