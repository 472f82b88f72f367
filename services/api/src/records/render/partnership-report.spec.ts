import { buildPartnershipReport, renderPartnershipReportHtml } from './partnership-report';
import { sectionHtml, textOf } from '../../../test/fixtures/rendered-html';
import { CaseBuilder, who } from '../../../test/fixtures/case-records';

const AT = '2026-06-01T12:00:00.000Z';

function seftonDecided() {
  const b = new CaseBuilder('sefton-sscp', '2026-05-18T08:30:00.000Z', { reference: 'SEF-2026-0100' });
  const p = b.p;
  b.after(1).note(who(p, 'police', 'practitioner'), 'Threshold not met in our view.');
  b.after(40).escalate(who(p, 'csc', 'practitioner'), 'Step 1 failed.');
  b.after(40).escalate(who(p, 'csc', 'line-manager'), 'Managers disagree.');
  b.after(2).plan(who(p, 'csc', 'head-of-service'), 'HoS plan.', [
    { what: 'Review <the> referral', owner: 'police', dueInHours: 24 },
  ]);
  b.after(1).note(who(p, 'police', 'head-of-service'), 'We will review.');
  b.after(40).escalate(who(p, 'csc', 'head-of-service'), 'Review upheld the refusal.');
  b.meeting(who(p, null, 'independent-chair'), 'chaired-meeting', 48, 'Town Hall, room 3');
  b.after(50).decide(
    who(p, null, 'independent-chair'),
    'A strategy discussion is to be held within 1 working day.',
    null,
    true,
  );
  return b;
}

describe('Report to SSCP (Sefton Appendix 2)', () => {
  it('reports steps 3 and 4 with plan, discussion, meeting and decision, after the attempts of steps 1-2', () => {
    const r = buildPartnershipReport(seftonDecided().build(), AT).report;
    expect(r.to).toBe('Sefton Safeguarding Children Partnership (SSCP)');
    expect(r.reportFromTier).toBe(3);
    expect(r.attemptsToResolve.map((t) => [t.number, t.actions.map((a) => a.action)])).toEqual([
      [1, ['Note', 'Escalated to the next tier']],
      [2, ['Escalated to the next tier']],
    ]);
    expect(r.steps.map((s) => [s.number, s.reached])).toEqual([
      [3, true],
      [4, true],
    ]);
    expect(r.steps[0].plan).toEqual([
      expect.objectContaining({ what: 'Review <the> referral', owner: 'sefton-sscp Police' }),
    ]);
    expect(r.steps[0].actions.map((a) => a.text)).toEqual([
      'HoS plan.',
      'We will review.',
      'Review upheld the refusal.',
    ]);
    expect(r.steps[1].meeting).toMatchObject({ kind: 'chaired-meeting', note: 'Town Hall, room 3' });
    expect(r.decision).toMatchObject({
      text: 'A strategy discussion is to be held within 1 working day.',
      chair: { name: 'sefton-sscp independent chair' },
    });
    expect(r.finalRoute?.route).toBe('chaired-meeting');
    expect(r.outcome.status).toBe('decided');
    expect(r.learning).toMatchObject({ subGroup: 'SSCP (Report to SSCP, Appendix 2)' });
    expect(r.reportedBy.map((x) => [x.name, x.role])).toEqual([
      ['csc head of service', 'head-of-service'],
      ['police head of service', 'head-of-service'],
      ['sefton-sscp independent chair', 'independent-chair'],
    ]);
  });

  it('marks steps not reached', () => {
    const r = buildPartnershipReport(new CaseBuilder('sefton-sscp').build(), AT).report;
    expect(r.steps.map((s) => [s.number, s.reached, s.enteredAt])).toEqual([
      [3, false, null],
      [4, false, null],
    ]);
    expect(r.decision).toBeNull();
  });

  it('says how each step is conducted where the protocol prescribes it (Lincolnshire s117)', () => {
    const b = new CaseBuilder('lincolnshire-joint-s117');
    b.escalate(who(b.p, 'csc', 'line-manager'), 'r1').escalate(who(b.p, 'csc', 'line-manager'), 'r2');
    const doc = buildPartnershipReport(b.build(), AT);
    expect(doc.report.steps[0].conductedAs).toBe('line manager intervention or multi-disciplinary meeting');
    expect(renderPartnershipReportHtml(doc)).toContain(
      'Conducted as</div><div class="value">line manager intervention or multi-disciplinary meeting',
    );
    expect(
      buildPartnershipReport(new CaseBuilder('sefton-sscp').build(), AT).report.steps[0].conductedAs,
    ).toBeNull();
  });

  it('prints each step and the outcome, escaped', () => {
    const html = renderPartnershipReportHtml(buildPartnershipReport(seftonDecided().build(), AT));
    expect(html).toContain(
      '<title>SEF-2026-0100: Report to Sefton Safeguarding Children Partnership (SSCP)</title>',
    );
    expect(sectionHtml(html, 'step-3')).toContain('Review &lt;the&gt; referral');
    expect(textOf(sectionHtml(html, 'step-4'))).toContain('Independently chaired meeting on');
    expect(textOf(sectionHtml(html, 'outcome'))).toContain(
      'A strategy discussion is to be held within 1 working day.',
    );
    expect(textOf(sectionHtml(html, 'outcome'))).toContain('Learning points Referred');
    expect(textOf(sectionHtml(html, 'disagreement'))).toContain(
      'Nature of the dispute Disagreement about the threshold',
    );
  });
});
