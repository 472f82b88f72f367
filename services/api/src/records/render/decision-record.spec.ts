import { buildDecisionRecord, decisionNotYet, renderDecisionRecordHtml } from './decision-record';
import { sectionHtml, textOf } from '../../../test/fixtures/rendered-html';
import { CaseBuilder, who } from '../../../test/fixtures/case-records';

const AT = '2026-06-01T12:00:00.000Z';

function bscbAtStage4() {
  const b = new CaseBuilder('bscb', '2026-05-18T08:30:00.000Z', { reference: 'BSC-2026-0004' });
  const p = b.p;
  b.escalate(who(p, 'csc', 'line-manager'), 'r1')
    .escalate(who(p, 'csc', 'service-manager'), 'r2')
    .escalate(who(p, 'csc', 'board-member'), 'r3');
  return b;
}

describe('decision record', () => {
  it('does not exist before the chair records a decision', () => {
    const b = bscbAtStage4();
    expect(decisionNotYet(b.build())).toBe(
      'no final decision is recorded for escalation BSC-2026-0004: the independent chair records it at tier 4, and the case is at tier 4',
    );
    expect(() => buildDecisionRecord(b.build(), AT)).toThrow(/no final decision/);
    const withdrawn = new CaseBuilder('bscb');
    withdrawn.withdraw(who('bscb', 'csc', 'practitioner'), 'Resolved informally.');
    expect(decisionNotYet(withdrawn.build())).toMatch(/closed as withdrawn without one/);
  });

  it('records the panel, those present, the representations and the final binding decision with date and chair', () => {
    const b = bscbAtStage4();
    const p = b.p;
    b.meeting(who(p, null, 'independent-chair'), 'resolution-panel', 72, 'Panel of three member agencies.');
    b.after(1).note(who(p, 'police', 'board-member'), 'Police representation: <threshold> not met.');
    b.after(80).decide(
      who(p, null, 'independent-chair'),
      'The Panel finds the threshold met; police join the strategy discussion.',
      'resolution-panel',
    );
    const doc = buildDecisionRecord(b.build(), AT);
    expect(doc.document.title).toBe('Record of the Resolution Panel and final decision');
    expect(doc.record.meeting).toMatchObject({
      kind: 'resolution-panel',
      note: 'Panel of three member agencies.',
    });
    expect(doc.record.route).toMatchObject({ route: 'resolution-panel' });
    expect(doc.record.attendees.map((a) => [a.name, a.role])).toEqual([
      ['bscb independent chair', 'independent-chair'],
      ['police board member', 'board-member'],
    ]);
    expect(doc.record.submissions.map((s) => s.text)).toEqual([
      'Panel of three member agencies.',
      'Police representation: <threshold> not met.',
    ]);
    expect(doc.record.decision).toMatchObject({
      text: 'The Panel finds the threshold met; police join the strategy discussion.',
      chair: { name: 'bscb independent chair' },
      chairRole: 'independent-chair',
      outcome: 'resolution-panel',
      tier: 4,
    });
    expect(doc.record.decision.decidedAt).toBe(b.c.closedAt);
    expect(doc.record.decision.finalAndBinding).toMatch(/^Final and binding\. 003 Stage 4/);

    const html = renderDecisionRecordHtml(doc);
    expect(html).toContain('BSC-2026-0004');
    expect(textOf(sectionHtml(html, 'meeting'))).toMatch(
      /^Resolution Panel Date of the meeting Thu 21 May 2026, 09:30/,
    );
    expect(sectionHtml(html, 'submissions')).toContain('&lt;threshold&gt;');
    const decision = textOf(sectionHtml(html, 'decision'));
    expect(decision).toContain('Chair bscb independent chair (Independent chair)');
    expect(decision).toContain('The Panel finds the threshold met');
    expect(decision).toMatch(/Decided \w{3} \d+ \w{3} 2026/);
    expect(decision).toContain('Outcome Resolution Panel');
    expect(sectionHtml(html, 'decision').match(/class="line"/g)).toHaveLength(2);
    // BSCB stage 4's Resolution Panel (issue 12: the protocol's panelSize is shown, not only stored).
    expect(doc.record.panelSize).toBe(3);
    expect(decision).toContain('Panel 3 member agencies, including those in dispute');
    expect(doc.record.communicateBy).toBeNull();
  });

  it('gives the deadline for communicating the decision where the protocol sets one (Sefton: 5 working days)', () => {
    const b = new CaseBuilder('sefton-sscp', '2026-05-18T08:30:00.000Z', { reference: 'SEF-2026-0004' });
    const p = b.p;
    b.escalate(who(p, 'csc', 'line-manager'), 'r1')
      .escalate(who(p, 'csc', 'head-of-service'), 'r2')
      .escalate(who(p, 'csc', 'head-of-service'), 'r3');
    b.after(1).decide(who(p, null, 'independent-chair'), 'Strategy discussion within 1 working day.');
    const doc = buildDecisionRecord(b.build(), AT);
    expect(doc.record.decision.tier).toBe(4);
    expect(doc.record.panelSize).toBeNull();
    const by = doc.record.communicateBy!;
    expect(by.withinWorkingDays).toBe(5);
    // Close of business on the 5th working day after the decision tier's calendar day.
    expect(new Date(by.dueAt).getTime()).toBeGreaterThan(new Date(by.from).getTime() + 5 * 86_400_000);
    expect(textOf(sectionHtml(renderDecisionRecordHtml(doc), 'decision'))).toMatch(
      /To be communicated by \w{3} \d+ \w{3} 2026, 17:00 \(within 5 working days of /,
    );
  });

  it('says so when the decision was made in writing without a meeting (mediation vs panel where known)', () => {
    const b = bscbAtStage4();
    b.decide(who(b.p, null, 'independent-chair'), 'Mediated: agreed.', 'mediation');
    const doc = buildDecisionRecord(b.build(), AT);
    expect(doc.record.meeting).toBeNull();
    expect(doc.record.route.route).toBe('mediation');
    expect(doc.document.title).toBe('Record of mediation and final decision');
    expect(textOf(sectionHtml(renderDecisionRecordHtml(doc), 'meeting'))).toContain(
      'No meeting, mediation or panel was scheduled',
    );
  });
});
