import { CaseBuilder, who } from '../../../test/fixtures/case-records';
import { actionWords, heldAsAt } from '../model/case-record';
import { buildPartnershipReport } from './partnership-report';

const AT = '2026-06-01T12:00:00.000Z';

/** A Lincolnshire s117 case at step 3: the plan says how it was held; the SLOs decide urgency. */
function s117AtStep3() {
  const b = new CaseBuilder('lincolnshire-joint-s117');
  const slo = who(b.p, 'csc', 'senior-liaison-officer');
  b.escalate(who(b.p, 'csc', 'line-manager'), 'r1').escalate(who(b.p, 'csc', 'line-manager'), 'r2');
  const plan = b.act('agree-plan', slo, 'Meet with the ward team.', 'plan-agreed', {
    items: 1,
    heldAs: 'multi-disciplinary-meeting',
  });
  const urgency = b.act('decide-urgency', slo, 'Discharge is on Friday.', 'urgency-decided', {
    urgent: true,
    previous: null,
    decidedAs: 'senior-liaison-officer',
  });
  return { c: b.build(), plan, urgency };
}

describe('records: how a step was held, and the urgency decided', () => {
  it('says each action with the decision its timeline entry carries', () => {
    const { c, plan, urgency } = s117AtStep3();
    const action = (id: string) => c.actions.find((a) => a.id === id)!;
    expect(actionWords(c, action(plan))).toBe('Plan of action agreed: held as multi-disciplinary meeting');
    expect(actionWords(c, action(urgency))).toBe('Urgency decided: urgent');
    expect(heldAsAt(c, 3)).toBe('multi-disciplinary meeting');
    expect(heldAsAt(c, 1)).toBeNull();
  });

  it("puts them in the report's step: conducted as, and the discussion and actions", () => {
    const { c } = s117AtStep3();
    const step3 = buildPartnershipReport(c, AT).report.steps.find((s) => s.number === 3)!;
    expect(step3.conductedAs).toBe(
      'line manager intervention or multi-disciplinary meeting; held as multi-disciplinary meeting',
    );
    expect(step3.actions.map((a) => a.action)).toEqual([
      'Plan of action agreed: held as multi-disciplinary meeting',
      'Urgency decided: urgent',
    ]);
  });
});
