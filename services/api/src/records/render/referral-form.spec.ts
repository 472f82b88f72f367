import { buildReferralForm, renderReferralFormHtml } from './referral-form';
import { sectionHtml, textOf } from '../../../test/fixtures/rendered-html';
import { CaseBuilder, who } from '../../../test/fixtures/case-records';

const AT = '2026-06-01T12:00:00.000Z';

function suttonCase() {
  const b = new CaseBuilder('sutton-lscp', '2026-05-18T08:30:00.000Z', { reference: 'SUT-2026-0007' });
  const p = b.p;
  b.c.subject!.natureOfConcern = 'Police declined a joint visit <script>alert("x")</script> & "more".';
  b.after(1).note(
    who(p, 'csc', 'safeguarding-lead'),
    'SA: call the police sergeant today; ask for a joint visit.',
  );
  b.after(1).plan(who(p, 'csc', 'safeguarding-lead'), 'Agreed with the SA.', [
    {
      what: 'Joint visit arranged',
      owner: 'police',
      person: who(p, 'police', 'line-manager'),
      dueInHours: 24,
    },
    { what: 'Share the chronology', owner: 'csc', dueInHours: 48, done: true },
  ]);
  return b;
}

describe('referral form (Sutton Appendix B)', () => {
  it('fills every field of the form from the record', () => {
    const b = suttonCase();
    const p = b.p;
    b.after(3).escalate(who(p, 'csc', 'line-manager'), 'No joint visit by the date agreed.');
    b.after(2)
      .resolve(who(p, 'csc', 'head-of-service'), 'Joint visit took place; strategy discussion held.')
      .resolve(who(p, 'police', 'head-of-service'), null);
    const doc = buildReferralForm(b.build(), AT);
    const f = doc.form;
    expect(f.mosaicId).toBe('MOSAIC-123456');
    expect(f.children).toEqual([
      { name: 'Alexandra Testchild', dateOfBirth: '2016-02-29' },
      { name: 'Sam Testchild', dateOfBirth: '2019-07-01' },
    ]);
    expect(f.practitionersOfConcern).toEqual([{ name: 'police practitioner', agency: 'sutton-lscp Police' }]);
    expect(f.natureOfConcern).toContain('<script>');
    expect(f.outcomesSought).toBe('A strategy discussion is held.');
    expect(f.actionsAgreedBySafeguardingAdvisor.map((a) => [a.by, a.action, a.text])).toEqual([
      ['csc safeguarding lead', 'Note', 'SA: call the police sergeant today; ask for a joint visit.'],
      ['csc safeguarding lead', 'Plan of action agreed', 'Agreed with the SA.'],
      [
        'csc safeguarding lead',
        'Plan item agreed',
        expect.stringContaining('Joint visit arranged (sutton-lscp Police, by '),
      ],
      ['csc safeguarding lead', 'Plan item agreed', expect.stringContaining('Share the chronology')],
    ]);
    expect(f.headOfServiceContacted.answer).toBe('yes');
    expect(f.headOfServiceContacted.basis).toMatch(/^tier 2 \(Senior managers \/ heads of service/);
    expect(f.actions).toEqual([
      expect.objectContaining({
        who: 'police line manager',
        agency: 'sutton-lscp Police',
        what: 'Joint visit arranged',
        status: 'open',
      }),
      expect.objectContaining({
        who: "sutton-lscp Children's Social Care",
        what: 'Share the chronology',
        status: 'done',
      }),
    ]);
    expect(f.outcomeAchieved).toMatchObject({
      status: 'resolved',
      statement: 'Joint visit took place; strategy discussion held.',
    });
    expect(f.referrer).toEqual({
      name: 'csc practitioner',
      department: "sutton-lscp Children's Social Care",
      raisedAt: b.c.raisedAt,
    });
    expect(f.safeguardingAdvisor).toMatchObject({
      name: 'csc safeguarding lead',
      department: "sutton-lscp Children's Social Care",
    });
    expect(f.signatures.map((s) => [s.for, s.name])).toEqual([
      ['referrer', 'csc practitioner'],
      ['safeguarding-advisor', 'csc safeguarding lead'],
    ]);
    expect(doc.document).toMatchObject({
      kind: 'referral-form',
      requiredByProtocol: true,
      requiredAt: [expect.objectContaining({ tier: 1, ref: 'Appendix B' })],
    });
    expect(doc.case).toMatchObject({
      reference: 'SUT-2026-0007',
      protocol: { id: 'sutton-lscp', version: 2 },
    });
    expect(doc.timeline.map((t) => t.number)).toEqual([1, 2]);
    expect(doc.footer).toMatch(/audit-trailed record of escalation SUT-2026-0007/);
  });

  it('answers "No" for the Head of Service and leaves the outcome open while the case is at tier 1', () => {
    const doc = buildReferralForm(new CaseBuilder('sutton-lscp').build(), AT);
    expect(doc.form.headOfServiceContacted.answer).toBe('no');
    expect(doc.form.outcomeAchieved).toBeNull();
    expect(doc.form.safeguardingAdvisor).toBeNull();
    expect(doc.form.actionsAgreedBySafeguardingAdvisor).toEqual([]);
  });

  it('counts a head of service acting at tier 1 as contacted', () => {
    const b = new CaseBuilder('sutton-lscp');
    b.note(who(b.p, 'police', 'head-of-service'), 'Looking into it.');
    expect(buildReferralForm(b.build(), AT).form.headOfServiceContacted).toMatchObject({
      answer: 'yes',
      basis: expect.stringMatching(/head of service/),
    });
  });

  it('prints each field in its own section, escaped, with signature lines, the timeline and the footer', () => {
    const html = renderReferralFormHtml(buildReferralForm(suttonCase().build(), AT));
    expect(html).toContain('<title>SUT-2026-0007: LSCP Escalation Referral Form</title>');
    expect(html).toContain('sutton-lscp v2');
    expect(html).toContain('OFFICIAL-SENSITIVE');
    expect(textOf(sectionHtml(html, 'children'))).toContain('Mosaic ID no. MOSAIC-123456');
    expect(textOf(sectionHtml(html, 'children'))).toContain('Alexandra Testchild 29 Feb 2016');
    expect(textOf(sectionHtml(html, 'practitioner-of-concern'))).toContain(
      'police practitioner sutton-lscp Police',
    );
    const nature = sectionHtml(html, 'nature-of-concern');
    expect(nature).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &quot;more&quot;');
    expect(html).not.toContain('<script');
    expect(textOf(sectionHtml(html, 'outcomes-sought'))).toBe(
      'Outcomes sought A strategy discussion is held.',
    );
    expect(textOf(sectionHtml(html, 'sa-actions'))).toContain('SA: call the police sergeant today');
    expect(textOf(sectionHtml(html, 'head-of-service'))).toMatch(
      /^Should the Head of Service be contacted\? No/,
    );
    expect(textOf(sectionHtml(html, 'who-what-when'))).toContain('Joint visit arranged');
    expect(textOf(sectionHtml(html, 'outcome'))).toContain('Not yet achieved');
    const sig = sectionHtml(html, 'signatures');
    expect(textOf(sig)).toContain('Name of referrer csc practitioner');
    expect(textOf(sig)).toContain('Safeguarding advisor csc safeguarding lead');
    expect(sig.match(/class="line"/g)).toHaveLength(4); // signature and date, for each of the two
    expect(textOf(sectionHtml(html, 'timeline'))).toContain('Mon 18 May 2026, 09:30');
    expect(html).toMatch(
      /<footer class="doc">Generated by Resolve on .* audit-trailed record of escalation SUT-2026-0007/,
    );
  });
});
