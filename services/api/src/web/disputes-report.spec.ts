import { parseCsv } from '../records/render/csv';
import type { DisputesReport } from '../records/render/disputes-report';
import { disputesReportCsv, periodFromAnswers, type PeriodAnswers } from './disputes-report';

const blank: PeriodAnswers = {
  'from-day': '',
  'from-month': '',
  'from-year': '',
  'to-day': '',
  'to-month': '',
  'to-year': '',
};

describe('disputes report period', () => {
  it('takes the 365 days to now when nothing is given', () => {
    const { period, errors } = periodFromAnswers(blank);
    expect(errors).toEqual([]);
    expect(Date.parse(period!.to) - Date.parse(period!.from)).toBe(365 * 86_400_000);
  });

  it('reads dates in Europe/London (BST here), with the whole last day included', () => {
    const { period } = periodFromAnswers({
      ...blank,
      'from-day': '1',
      'from-month': '4',
      'from-year': '2026',
      'to-day': '31',
      'to-month': '3',
      'to-year': '2027',
    });
    expect(period).toEqual({ from: '2026-03-31T23:00:00.000Z', to: '2027-03-31T23:00:00.000Z' });
  });

  it('names a date that is not real, and a period that ends before it starts', () => {
    expect(
      periodFromAnswers({ ...blank, 'to-day': '30', 'to-month': '2', 'to-year': '2026' }).errors,
    ).toEqual([{ name: 'to-day', text: 'Enter the end of the period as a real date' }]);
    expect(periodFromAnswers({ ...blank, 'from-day': '1', 'from-year': '2026' }).errors).toEqual([
      { name: 'from-day', text: 'Enter the start of the period as a real date' },
    ]);
    expect(
      periodFromAnswers({
        ...blank,
        'from-day': '2',
        'from-month': '1',
        'from-year': '2026',
        'to-day': '1',
        'to-month': '1',
        'to-year': '2026',
      }).errors,
    ).toEqual([{ name: 'from-day', text: 'The start of the period must be before its end' }]);
  });
});

describe('disputes report CSV', () => {
  it('writes one row per figure, and no chair finding', () => {
    const stats = { count: 1, medianDays: 3, p90Days: 3, medianWorkingDays: 2, p90WorkingDays: 2 };
    const report = {
      partnership: { id: 'p', name: 'Partnership' },
      period: { from: '2026-01-01T00:00:00.000Z', to: '2027-01-01T00:00:00.000Z' },
      totals: {
        raised: 2,
        raisedWithImmediateRisk: 1,
        closed: 1,
        closedByStatus: { resolved: 1, decided: 0, withdrawn: 0, 'referred-for-learning': 0 },
        openAtPeriodEnd: 1,
      },
      byProtocol: [{ protocolId: 'x', title: 'Protocol X', raised: 2, closed: 1, openAtPeriodEnd: 1 }],
      byCategory: [{ category: 'c', label: 'Thresholds', count: 2 }],
      byHighestTier: [{ protocolId: 'x', tier: 1, title: 'Step 1', count: 2 }],
      byAgencyPair: [
        { raisingAgency: { id: 'a', name: 'A' }, receivingAgency: { id: 'b', name: 'B' }, count: 2 },
      ],
      timeToResolution: { ...stats, byProtocol: [{ ...stats, protocolId: 'x', title: 'Protocol X' }] },
      breaches: { total: 0, casesAffected: 0, byTier: [] },
      learningReferrals: { total: 0, bySubGroup: [], references: [] },
      finalDecisions: {
        total: 1,
        byRoute: [{ route: 'panel', label: '=Panel', count: 1 }],
        decisions: [{ finding: 'The chair found for the police.' }],
      },
      openAtPeriodEnd: {
        count: 1,
        byTier: [{ protocolId: 'x', tier: 1, title: 'Step 1', count: 1 }],
        cases: [],
      },
    } as unknown as DisputesReport;
    const csv = disputesReportCsv(report);
    const rows = parseCsv(csv);
    expect(rows[0]).toEqual(['section', 'item', 'measure', 'value']);
    expect(rows).toContainEqual(['totals', 'resolved', 'closed', '1']);
    expect(rows).toContainEqual(['by highest step reached', 'x: Step 1', 'raised', '2']);
    expect(rows).toContainEqual(['time to resolution', 'Protocol X', 'median working days', '2']);
    // A label that a spreadsheet would run as a formula is written as text.
    expect(rows).toContainEqual(['final decisions', "'=Panel", 'decisions', '1']);
    expect(csv).not.toContain('The chair found');
  });
});
