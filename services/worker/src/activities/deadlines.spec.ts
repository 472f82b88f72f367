import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getProtocol, parseProtocol } from '@resolve/protocols';
import { createDeadlineActivities } from './deadlines';

/** Sefton with tier 1 counted from when the concern was identified and open to a protective date. */
function protocolWithTimingFeatures() {
  const json = JSON.parse(JSON.stringify(getProtocol('sefton-sscp')));
  json.id = 'sefton-timing';
  json.counting.identifiedAtNoEarlierThanWorkingDays = 5;
  json.tiers[0].timescale = {
    kind: 'working-days',
    amount: 2,
    from: 'concern-identified',
    asWritten: 'within 2 working days of the concern',
  };
  json.tiers[0].protectiveDeadline = { setBy: ['practitioner'] };
  return parseProtocol(json, 'sefton-timing.json');
}

const base = {
  tierNumber: 1,
  tierKey: 'professional-to-professional',
  escalationStartedAt: '2026-05-18T08:30:00.000Z',
  tierStartedAt: '2026-05-18T08:30:00.000Z',
  previousDeadline: null,
  immediateRisk: false,
};

describe(createDeadlineActivities.name, () => {
  const { computeDeadline } = createDeadlineActivities();
  const protocol = protocolWithTimingFeatures();

  it('counts from when the concern was identified when the request carries it', async () => {
    // Identified Fri 15 May 2026: 2 working days later is Tue 19 May, across the weekend.
    const result = await computeDeadline({
      ...base,
      protocol,
      concernIdentifiedAt: '2026-05-15T09:00:00.000Z',
    });
    expect(result.dueAt).toBe('2026-05-19T16:00:00.000Z');
    expect(result.explanation).toMatch(/when the concern was identified/);
  });

  it('applies an earlier protective date the request carries', async () => {
    const result = await computeDeadline({
      ...base,
      protocol,
      protectiveDeadline: '2026-05-19T11:00:00.000Z',
    });
    expect(result.dueAt).toBe('2026-05-19T11:00:00.000Z');
    expect(result.explanation).toMatch(/protects the child from harm/);
  });

  it('counts as before for a request without them', async () => {
    const result = await computeDeadline({ ...base, protocol });
    expect(result.dueAt).toBe('2026-05-20T16:00:00.000Z');
  });
});

describe('the deadline activity for a tier with consecutive steps', () => {
  const { computeDeadline } = createDeadlineActivities();
  const twoStep = parseProtocol(
    JSON.parse(
      readFileSync(
        join(__dirname, '../../../../libs/protocols/test-fixtures/two-step-referral.json'),
        'utf8',
      ),
    ),
    'two-step-referral.json',
  );
  // Thu 21 May 2026 10:00 BST; Mon 25 May is the spring bank holiday.
  const request = {
    ...base,
    protocol: twoStep,
    escalationStartedAt: '2026-05-21T09:00:00.000Z',
    tierStartedAt: '2026-05-21T09:00:00.000Z',
  };

  it("answers each step's due instant and working-time reminders, and the tier's projected date", async () => {
    const result = await computeDeadline(request);
    // The form taken as issued at its deadline (Tue 26 May): the reply, and the tier, Fri 29 May.
    expect(result.dueAt).toBe('2026-05-29T16:00:00.000Z');
    expect(result.reminders).toEqual([]);
    expect(result.steps).toEqual([
      expect.objectContaining({
        key: 'form-issued',
        dueAt: '2026-05-26T16:00:00.000Z',
        reminders: ['2026-05-22T12:30:00.000Z', '2026-05-26T08:00:00.000Z'],
      }),
      expect.objectContaining({ key: 'reply-recorded', startedAt: null, dueAt: null, reminders: [] }),
    ]);
  });

  it('counts the last step, and the tier with it, from the completion the request carries', async () => {
    const result = await computeDeadline({
      ...request,
      stepsCompletedAt: { 'form-issued': '2026-05-28T14:00:00.000Z' },
    });
    expect(result.steps?.[1]).toMatchObject({
      startedAt: '2026-05-28T14:00:00.000Z',
      dueAt: '2026-06-02T16:00:00.000Z',
      reminders: ['2026-06-01T11:00:00.000Z', '2026-06-02T08:00:00.000Z'],
    });
    expect(result.dueAt).toBe('2026-06-02T16:00:00.000Z');
  });

  it('leaves the answer for a tier without steps exactly as before (no steps field)', async () => {
    expect(await computeDeadline({ ...base, protocol: getProtocol('sefton-sscp') })).not.toHaveProperty(
      'steps',
    );
  });
});
