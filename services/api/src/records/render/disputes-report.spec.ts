import {
  buildDisputesReport,
  median,
  percentile,
  renderDisputesReportHtml,
  workingDaysBetween,
} from './disputes-report';
import { sectionHtml, textOf } from '../../../test/fixtures/rendered-html';
import { CaseBuilder, who, agencies } from '../../../test/fixtures/case-records';

const P = 'bscb';
const partnership = { id: P, name: 'BSCB' };
const FROM = '2026-04-01T00:00:00.000Z';
const TO = '2026-07-01T00:00:00.000Z';

function cases() {
  const made = [];
  // A: raised in the period, resolved at stage 1 after 2 days, learning referred.
  const a = new CaseBuilder(P, '2026-05-18T08:30:00.000Z', { reference: 'A-1' });
  a.after(48)
    .resolve(who(P, 'csc', 'line-manager'), 'ok')
    .resolve(who(P, 'police', 'line-manager'), 'ok', true);
  made.push(a.build());
  // B: raised in the period, breached at stage 1, escalated to 4, panel decision after 10 days.
  const b = new CaseBuilder(P, '2026-05-19T08:30:00.000Z', { reference: 'B-2', category: 'communication' });
  b.after(30).breach();
  b.escalate(who(P, 'csc', 'service-manager'), 'r').escalate(who(P, 'csc', 'board-member'), 'r');
  b.meeting(who(P, null, 'independent-chair'), 'resolution-panel', 24);
  b.after(240 - 30).decide(
    who(P, null, 'independent-chair'),
    'Panel finding: <threshold> met.',
    'resolution-panel',
  );
  made.push(b.build());
  // C: raised in the period by health with the school... here health -> police; open at stage 3 at the end.
  const c = new CaseBuilder(P, '2026-06-01T08:30:00.000Z', { reference: 'C-3' });
  c.escalate(who(P, 'csc', 'line-manager'), 'r').escalate(who(P, 'csc', 'service-manager'), 'r');
  made.push(c.build({ raisingAgency: agencies(P).health }));
  // D: raised before the period, still open at its end (tier 1).
  made.push(new CaseBuilder(P, '2026-03-02T08:30:00.000Z', { reference: 'D-4' }).build());
  // E: raised in the period, withdrawn.
  const e = new CaseBuilder(P, '2026-06-10T08:30:00.000Z', { reference: 'E-5' });
  e.after(5).withdraw(who(P, 'csc', 'practitioner'), 'no longer needed');
  made.push(e.build());
  // F: raised after the period: not counted anywhere.
  made.push(new CaseBuilder(P, '2026-07-02T08:30:00.000Z', { reference: 'F-6' }).build());
  return made;
}

describe('annual report of disputes and panel findings', () => {
  it('median and nearest-rank percentile', () => {
    expect(median([])).toBeNull();
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90)).toBe(9);
    expect(percentile([5], 90)).toBe(5);
    expect(percentile([1, 2], 90)).toBe(2);
  });

  it('counts working days after the day raised up to the day closed, skipping weekends and bank holidays', () => {
    // Fri 22 May 2026 -> Tue 26 May 2026 (Mon 25 May is the Spring bank holiday).
    expect(workingDaysBetween('2026-05-22T10:00:00Z', '2026-05-26T10:00:00Z', 'england-and-wales')).toBe(1);
    expect(workingDaysBetween('2026-05-18T10:00:00Z', '2026-05-18T15:00:00Z', 'england-and-wales')).toBe(0);
    expect(workingDaysBetween('2026-05-18T10:00:00Z', '2026-05-20T10:00:00Z', 'england-and-wales')).toBe(2);
  });

  it('counts what the period holds: categories, highest tier, agency pairs, time to resolution, breaches, learning, decisions, open', () => {
    const r = buildDisputesReport({
      partnership,
      period: { from: FROM, to: TO },
      cases: cases(),
      generatedAt: TO,
    });
    expect(r.totals).toEqual({
      raised: 4,
      raisedWithImmediateRisk: 0,
      closed: 3,
      closedByStatus: {
        resolved: 1,
        decided: 1,
        withdrawn: 1,
        'referred-for-learning': 0,
        'closed-with-outcome': 0,
      },
      openAtPeriodEnd: 2,
    });
    expect(r.byCategory).toEqual([
      { category: 'thresholds', label: 'Thresholds', count: 3 },
      { category: 'communication', label: 'Communication and information sharing', count: 1 },
    ]);
    expect(r.byHighestTier.map((t) => [t.tier, t.count])).toEqual([
      [1, 2],
      [3, 1],
      [4, 1],
    ]);
    expect(r.byAgencyPair.map((x) => [x.raisingAgency.id, x.receivingAgency.id, x.count])).toEqual([
      ['bscb-csc', 'bscb-police', 3],
      ['bscb-health', 'bscb-police', 1],
    ]);
    expect(r.timeToResolution).toMatchObject({
      count: 2,
      medianDays: 6,
      p90Days: 10,
      medianWorkingDays: 4.5,
      p90WorkingDays: 7,
    });
    // A: Mon 18 -> Wed 20 May = 2 working days; B: Tue 19 -> Fri 29 May = 7 (Mon 25 May is a bank holiday).
    expect(r.timeToResolution.byProtocol).toEqual([
      expect.objectContaining({ protocolId: 'bscb', count: 2 }),
    ]);
    expect(r.breaches).toEqual({
      total: 1,
      casesAffected: 1,
      byTier: [expect.objectContaining({ tier: 1, count: 1 })],
    });
    expect(r.learningReferrals).toEqual({
      total: 1,
      bySubGroup: [{ subGroup: expect.stringMatching(/BSCB subgroup/), count: 1 }],
      references: ['A-1'],
    });
    expect(r.finalDecisions.total).toBe(1);
    expect(r.finalDecisions.byRoute).toEqual([
      { route: 'resolution-panel', label: 'Resolution Panel', count: 1 },
    ]);
    expect(r.finalDecisions.decisions[0]).toMatchObject({
      reference: 'B-2',
      outcome: 'resolution-panel',
      chair: 'bscb independent chair',
      finding: 'Panel finding: <threshold> met.',
    });
    expect(r.openAtPeriodEnd.cases.map((c) => [c.reference, c.tier])).toEqual([
      ['D-4', 1],
      ['C-3', 3],
    ]);
  });

  it('takes the tier as at the period end for cases still moving after it', () => {
    const r = buildDisputesReport({
      partnership,
      period: { from: FROM, to: '2026-05-19T12:00:00.000Z' },
      cases: cases(),
      generatedAt: TO,
    });
    expect(r.byHighestTier.map((t) => [t.tier, t.count])).toEqual([[1, 2]]);
    // A closed on 20 May, after this period's end: it was open then.
    expect(r.openAtPeriodEnd.cases.map((c) => [c.reference, c.tier])).toEqual([
      ['D-4', 1],
      ['A-1', 1],
      ['B-2', 1],
    ]);
    expect(r.finalDecisions.total).toBe(0);
  });

  it('prints a board report: KPIs, an inline SVG chart per measure, the findings escaped, no script or external asset', () => {
    const html = renderDisputesReportHtml(
      buildDisputesReport({ partnership, period: { from: FROM, to: TO }, cases: cases(), generatedAt: TO }),
    );
    expect(html.match(/<svg class="chart"/g)!.length).toBeGreaterThanOrEqual(6);
    expect(html).not.toMatch(/<script|src=|href=|url\(/i);
    expect(textOf(sectionHtml(html, 'summary'))).toMatch(
      /^At a glance 4 Raised in the period 3 Closed in the period 2 Open at the period end 1 Final decisions/,
    );
    expect(sectionHtml(html, 'final-decisions')).toContain('Panel finding: &lt;threshold&gt; met.');
    expect(sectionHtml(html, 'by-agency-pair')).toContain('bscb Health Trust → bscb Police');
    expect(textOf(sectionHtml(html, 'open'))).toContain('D-4');
  });
});
