import { buildMonitoringForm, monitoringFormNotYet, renderMonitoringFormHtml } from './monitoring-form';
import { sectionHtml, textOf } from '../../../test/fixtures/rendered-html';
import { CaseBuilder, who } from '../../../test/fixtures/case-records';

const AT = '2026-06-01T12:00:00.000Z';

function bscbAtStage3() {
  const b = new CaseBuilder('bscb', '2026-05-18T08:30:00.000Z', { reference: 'BSC-2026-0003' });
  const p = b.p;
  b.c.subject!.natureOfConcern = 'Issue <one>';
  b.after(20).escalate(who(p, 'csc', 'line-manager'), 'No response in 24 hours.');
  b.after(30).escalate(who(p, 'csc', 'service-manager'), 'Still no agreement.');
  b.plan(who(p, 'csc', 'board-member'), null, [
    { what: 'Board members meet', owner: 'csc', dueInHours: 48, done: true },
    { what: 'Police review the decision', owner: 'police', dueInHours: 72 },
  ]);
  return b;
}

describe('BSCB monitoring form', () => {
  it('is not issued before stage 3, and says why', () => {
    const b = new CaseBuilder('bscb', undefined, { reference: 'BSC-2026-0001' });
    expect(monitoringFormNotYet(b.build())).toBe(
      'the monitoring form is issued from stage 3 (BSCB procedure 003 section 3: "Once Stage 3 is reached the monitoring form should be issued"); escalation BSC-2026-0001 has reached stage 1',
    );
    expect(() => buildMonitoringForm(b.build(), AT)).toThrow(/issued from stage 3/);
    expect(monitoringFormNotYet(bscbAtStage3().build())).toBeNull();
  });

  it('details the issues, the stages with dates, the actions, the Business Manager informed and, once closed, the agreed outcome', () => {
    const open = buildMonitoringForm(bscbAtStage3().build(), AT).form;
    expect(open.issuedFromTier).toBe(3);
    expect(open.businessManagerInformedAt).toBe(open.issuedAt);
    expect(open.preStage).toMatch(/Professional discusses/);
    expect(open.issuesRequiringResolution).toMatchObject({
      category: { id: 'thresholds', label: 'Thresholds' },
      natureOfConcern: 'Issue <one>',
    });
    expect(open.stages.map((s) => [s.number, s.enteredBecause])).toEqual([
      [1, 'raised'],
      [2, 'escalated'],
      [3, 'escalated'],
    ]);
    expect(open.actionsAgreed).toHaveLength(2);
    expect(open.outstandingIssues.map((o) => o.what)).toEqual(['Police review the decision']);
    expect(open.agreedOutcome).toBeNull();

    const b = bscbAtStage3();
    b.after(5)
      .resolve(who(b.p, 'csc', 'board-member'), 'Agreed outcome: police will hold a strategy discussion.')
      .resolve(who(b.p, 'police', 'board-member'), 'Agreed.', true);
    const closed = buildMonitoringForm(b.build(), AT).form;
    expect(closed.agreedOutcome).toMatchObject({
      status: 'resolved',
      statement: 'Agreed outcome: police will hold a strategy discussion.\n\nAgreed.',
      by: ['csc board member', 'police board member'],
      route: null,
    });
    expect(closed.learning).toMatchObject({ subGroup: expect.stringMatching(/BSCB subgroup/) });
  });

  it('prints the sections, escaped', () => {
    const html = renderMonitoringFormHtml(buildMonitoringForm(bscbAtStage3().build(), AT));
    expect(html).toContain('BSC-2026-0003');
    expect(html).toContain('bscb v2');
    expect(sectionHtml(html, 'issues')).toContain('Issue &lt;one&gt;');
    expect(textOf(sectionHtml(html, 'stages'))).toContain('Before stage 1: Professional discusses');
    expect(textOf(sectionHtml(html, 'issued'))).toMatch(/Stage 3 reached .* Business Manager informed/);
    // The protocol's escalationScope (issue 12: shown, not only stored).
    expect(textOf(sectionHtml(html, 'issued'))).toContain(
      'From stage 3 the BSCB Business Manager is informed (the BSCB Quality Assurance Service Manager if not available)',
    );
    expect(textOf(sectionHtml(html, 'agreed-outcome'))).toContain('No outcome agreed yet');
  });
});
