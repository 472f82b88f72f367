import { parseCsv } from './csv';
import { sectionHtml, textOf } from '../../../test/fixtures/rendered-html';
import {
  AGENCY_LOG_COLUMNS,
  agencyLogRow,
  buildAgencyLog,
  buildSummaryLogEntry,
  renderAgencyLogCsv,
  renderAgencyLogHtml,
  renderSummaryLogEntryHtml,
} from './summary-log';
import { CaseBuilder, who } from '../../../test/fixtures/case-records';

const AT = '2026-06-01T12:00:00.000Z';

function seftonAtStep3() {
  const b = new CaseBuilder('sefton-sscp', '2026-05-18T08:30:00.000Z', { reference: 'SEF-2026-0042' });
  const p = b.p;
  b.after(1).plan(who(p, 'csc', 'practitioner'), null, [
    { what: 'Strategy discussion <today>', owner: 'police', dueInHours: 24 },
  ]);
  b.after(30).escalate(who(p, 'csc', 'practitioner'), 'Plan not kept.');
  b.after(2).note(who(p, 'police', 'line-manager'), 'Logged.');
  b.after(50).breach();
  return b;
}

describe('Agency Escalation Summary Log (Sefton Appendix 1)', () => {
  it('makes the case entry: dates, agencies, people, managers step, highest tier, plan, breaches, outcome', () => {
    const b = seftonAtStep3();
    const e = buildSummaryLogEntry(b.build(), AT).entry;
    expect(e).toMatchObject({
      reference: 'SEF-2026-0042',
      dateRaised: '2026-05-18T08:30:00.000Z',
      category: { id: 'thresholds' },
      raisingAgency: { id: 'sefton-sscp-csc' },
      raisedBy: { name: 'csc practitioner' },
      receivingAgency: { id: 'sefton-sscp-police' },
      raisedWith: { name: 'police practitioner' },
      natureOfConcern: 'Disagreement about the threshold for a strategy discussion.',
      managersTier: 2,
      highestTier: { number: 3 },
      status: 'open',
      outcome: null,
      dateClosed: null,
      learningReferred: null,
    });
    expect(e.escalatedToManagersAt).toBe(
      b.build().events.find((x) => x.type === 'tier-entered' && x.tier === 2)!.at,
    );
    expect(e.peopleInvolved.map((x) => [x.name, x.tier])).toEqual([
      ['csc practitioner', 1],
      ['police line manager', 2],
    ]);
    expect(e.planOfAction).toEqual([
      expect.objectContaining({
        what: 'Strategy discussion <today>',
        owner: 'sefton-sscp Police',
        status: 'open',
      }),
    ]);
    expect(e.breaches).toHaveLength(1);
    expect(e.breaches[0].tier).toBe(2);
  });

  it('prints the entry with escaped prose and the timeline', () => {
    const html = renderSummaryLogEntryHtml(buildSummaryLogEntry(seftonAtStep3().build(), AT));
    expect(html).toContain('SEF-2026-0042');
    expect(sectionHtml(html, 'plan')).toContain('Strategy discussion &lt;today&gt;');
    expect(textOf(sectionHtml(html, 'entry'))).toContain('Escalated to managers (tier 2)');
    expect(textOf(sectionHtml(html, 'entry'))).toContain('Highest tier reached 3: Step 3');
    expect(textOf(sectionHtml(html, 'timeline'))).toContain('Deadline passed without the tier’s outcome');
  });

  it('logs an agency’s cases: side, tiers entered, decision and route; CSV with a header row that parses back', () => {
    const a = seftonAtStep3();
    const p = a.p;
    a.escalate(who(p, 'csc', 'head-of-service'), 'No plan.');
    a.meeting(who(p, null, 'independent-chair'), 'chaired-meeting', 24);
    a.after(30).decide(who(p, null, 'independent-chair'), 'Final: "strategy", now.');
    const row = agencyLogRow(a.build(), 'sefton-sscp-police');
    expect(row).toMatchObject({
      agencySide: 'received',
      highestTier: 4,
      status: 'decided',
      breaches: 1,
      finalRoute: 'chaired-meeting',
    });
    expect(row.tierDates).toMatch(/^1 2026-05-18; 2 2026-05-1\d; 3 2026-05-2\d; 4 2026-05-2\d$/);
    const other = new CaseBuilder('sefton-sscp', '2026-05-19T10:00:00.000Z', {
      reference: 'SEF-2026-0043',
    }).build({
      raisedBy: { id: 'x', name: '=Smith, "Jo"' },
    });
    const log = buildAgencyLog(
      { id: 'sefton-sscp-csc', name: 'CSC' },
      { id: 'sefton-sscp', name: 'Sefton' },
      [other, a.build()],
      { from: null, to: null },
      AT,
    );
    expect(log.rows.map((r) => [r.reference, r.agencySide])).toEqual([
      ['SEF-2026-0042', 'raised'],
      ['SEF-2026-0043', 'raised'],
    ]);
    const csv = renderAgencyLogCsv(log);
    expect(csv.split('\r\n')[0]).toBe(AGENCY_LOG_COLUMNS.map((c) => c.header).join(','));
    const parsed = parseCsv(csv);
    expect(parsed).toHaveLength(3);
    const header = parsed[0];
    const second = Object.fromEntries(header.map((h, i) => [h, parsed[2][i]]));
    expect(second).toMatchObject({
      reference: 'SEF-2026-0043',
      raised_by: `'=Smith, "Jo"`,
      status: 'open',
      highest_tier: '1',
      immediate_risk: 'false',
      closed_at: '',
    });
    const first = Object.fromEntries(header.map((h, i) => [h, parsed[1][i]]));
    expect(first).toMatchObject({
      reference: 'SEF-2026-0042',
      status: 'decided',
      final_route: 'chaired-meeting',
      breaches: '1',
    });
    expect(csv).not.toMatch(/Testchild|MOSAIC|Disagreement about/);
  });

  it('prints the agency log in landscape, escaped, without the prose or the children', () => {
    const c = new CaseBuilder('sefton-sscp').build({ raisedBy: { id: 'x', name: '<b>Jo</b>' } });
    const html = renderAgencyLogHtml(
      buildAgencyLog(
        { id: 'a', name: 'Agency & Co' },
        { id: 'p', name: 'P' },
        [c],
        { from: '2026-01-01T00:00:00.000Z', to: null },
        AT,
      ),
    );
    expect(html).toContain('<body class="landscape">');
    expect(html).toContain('Agency Escalation Summary Log: Agency &amp; Co');
    expect(html).toContain('&lt;b&gt;Jo&lt;/b&gt;');
    expect(html).not.toMatch(/Testchild|MOSAIC|Disagreement about/);
    expect(textOf(html)).toContain('Cases raised from 1 Jan 2026 to now');
  });
});
