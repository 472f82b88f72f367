import { readFileSync } from 'node:fs';
import path from 'node:path';
import { getProtocol, parseProtocol, ProtocolValidationError } from './registry';
import { tierReminderInstants } from './reminders';
import type { Protocol } from './schema';
import { computeStepDeadlines, computeTimeline, stepAsTier } from './timeline';

/** The test-only protocol whose step 1 is two consecutive deadlines (form issued, then reply). */
const TWO_STEP_FILE = path.resolve(__dirname, '../test-fixtures/two-step-referral.json');
const twoStepJson = () => JSON.parse(readFileSync(TWO_STEP_FILE, 'utf8'));
const twoStep: Protocol = parseProtocol(twoStepJson(), 'two-step-referral.json');
const tier = twoStep.tiers[0];

// Thu 21 May 2026 10:00 BST; Mon 25 May is the spring bank holiday (England and Wales).
const T0 = new Date('2026-05-21T09:00:00Z');
const context = (extra: object = {}) => ({
  escalationStartedAt: T0,
  tierStartedAt: T0,
  previousDeadline: null,
  immediateRisk: false,
  ...extra,
});

describe(computeStepDeadlines.name, () => {
  it('counts the first step from the tier start, across a weekend and a bank holiday', () => {
    const { steps, tier: whole } = computeStepDeadlines(twoStep, tier, context());
    // 2 working days from Thu: Fri 22, (weekend, bank holiday Mon 25), Tue 26 at 17:00 BST.
    expect(steps[0]).toMatchObject({ key: 'form-issued', startedAt: T0.toISOString() });
    expect(steps[0].dueAt?.toISOString()).toBe('2026-05-26T16:00:00.000Z');
    expect(steps[0].explanation).toContain('Referral form issued (test step 1a');
    // The reply counts from the form's issue, which has not happened: neither it nor the tier is due yet.
    expect(steps[1]).toMatchObject({ key: 'reply-recorded', startedAt: null, dueAt: null });
    expect(steps[1].explanation).toContain('counted from when "Referral form issued" is complete');
    // The tier's date is projected, the form taken as issued at its deadline: 3 working days
    // from Tue 26 May, Fri 29 May at 17:00.
    expect(whole.dueAt?.toISOString()).toBe('2026-05-29T16:00:00.000Z');
    expect(whole.explanation).toContain(
      'due when its last step, "Reply to the referral form", would be due if each step before it were completed at its own deadline',
    );
    expect(whole.explanation).toContain('from the deadline of "Referral form issued", not yet complete');
  });

  it('counts the second step from the instant the first was completed, and the tier with it', () => {
    const issued = '2026-05-28T14:00:00.000Z'; // Thu 28 May 15:00 BST, late
    const { steps, tier: whole } = computeStepDeadlines(twoStep, tier, {
      ...context(),
      completedAt: { 'form-issued': issued },
    });
    // 3 working days from Thu 28: Fri 29, Mon 1 Jun, Tue 2 Jun at 17:00 BST.
    expect(steps[1].startedAt).toBe(issued);
    expect(steps[1].dueAt?.toISOString()).toBe('2026-06-02T16:00:00.000Z');
    expect(steps[1].explanation).toContain('from the completion of "Referral form issued"');
    expect(whole.dueAt?.toISOString()).toBe('2026-06-02T16:00:00.000Z');
  });

  it("applies a case's protective date to the last step only (it is the tier's deadline)", () => {
    const protective = new Date('2026-05-26T12:00:00Z'); // before both steps' own dates
    const { steps } = computeStepDeadlines(twoStep, tier, {
      ...context({ protectiveDeadline: protective }),
      completedAt: { 'form-issued': '2026-05-21T10:00:00.000Z' },
    });
    expect(steps[0].dueAt?.toISOString()).toBe('2026-05-26T16:00:00.000Z');
    expect(steps[1].dueAt?.toISOString()).toBe(protective.toISOString());
  });

  it('shortens each step on the fast track under immediate risk', () => {
    const { steps } = computeStepDeadlines(twoStep, tier, context({ immediateRisk: true }));
    expect(steps[0].dueAt!.getTime()).toBeLessThan(Date.parse('2026-05-26T16:00:00.000Z'));
    expect(steps[0].explanation).toContain('fast track');
  });
});

describe('step reminders', () => {
  it('fall inside working time: halfway in business hours, and on the morning of the due day', () => {
    const due = new Date('2026-05-26T16:00:00.000Z');
    const reminders = tierReminderInstants(twoStep, stepAsTier(tier, tier.steps![0]), T0, due);
    // Working time Thu 10-17 (7 h), Fri 9-17 (8 h), Tue 9-17 (8 h): halfway is 11.5 h in, Fri 13:30.
    expect(reminders).toEqual(['2026-05-22T12:30:00.000Z', '2026-05-26T08:00:00.000Z']);
    for (const r of reminders) {
      const day = new Date(r).getUTCDay();
      expect([0, 6]).not.toContain(day);
      expect(r.slice(0, 10)).not.toBe('2026-05-25');
    }
  });
});

describe('the steps field', () => {
  const invalid = (change: (json: any) => void) => {
    const json = twoStepJson();
    change(json);
    try {
      parseProtocol(json, 'bad.json');
    } catch (err) {
      if (err instanceof ProtocolValidationError) return err.message;
      throw err;
    }
    throw new Error('expected the file to be refused');
  };

  it('needs the tier timescale to be "none": the last step is the tier deadline', () => {
    expect(
      invalid((json) => {
        json.tiers[0].timescale = getProtocol('sefton-sscp').tiers[0].timescale;
      }),
    ).toContain('tiers[0].timescale.kind: a tier with steps is due when its last step is due');
  });

  it('refuses a first step counted from a previous step, duplicate keys and roles of the wrong side', () => {
    expect(
      invalid((json) => {
        json.tiers[0].steps[0].timescale.from = 'previous-step';
      }),
    ).toContain('tiers[0].steps[0].timescale.from: the first step has no step before it');
    expect(
      invalid((json) => {
        json.tiers[0].steps[1].key = 'form-issued';
      }),
    ).toContain('duplicate step key "form-issued"');
    expect(
      invalid((json) => {
        json.tiers[0].steps[1].owner.roles = ['independent-chair'];
      }),
    ).toContain('tiers[0].steps[1].owner.roles[0]: "independent-chair" is a partnership role');
  });

  it('is optional: a shipped protocol without steps parses with none', () => {
    expect(getProtocol('sefton-sscp').tiers[0]).not.toHaveProperty('steps');
  });
});

describe('the schedule if nobody acts (computeTimeline)', () => {
  it('takes each step as done at its deadline, so the stepped tier ends and the next one follows', () => {
    const { tiers } = computeTimeline(twoStep, T0);
    expect(tiers[0]).toMatchObject({ key: tier.key, dueAt: '2026-05-29T16:00:00.000Z' });
    expect(tiers[0].explanation).toContain('would be due if each step before it were completed');
    // Sefton's step 2: a further 2 working days from step 1's deadline.
    expect(tiers[1]).toMatchObject({
      tier: 2,
      startsAt: '2026-05-29T16:00:00.000Z',
      dueAt: '2026-06-02T16:00:00.000Z',
    });
  });
});
