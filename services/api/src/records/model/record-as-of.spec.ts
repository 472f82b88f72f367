import { CaseBuilder, who } from '../../../test/fixtures/case-records';
import { buildPartnershipReport } from '../render/partnership-report';
import { recordAsOf } from './record-as-of';

describe(recordAsOf.name, () => {
  /** A Sefton case taken to step 3, then on to step 4 and decided; `at3` is step 3's entry. */
  function seftonCase() {
    const b = new CaseBuilder('sefton-sscp');
    const p = b.p;
    b.after(2).escalate(who(p, 'csc', 'practitioner'), 'No reply.');
    b.after(2).escalate(who(p, 'csc', 'line-manager'), 'Still no agreement.');
    const entered3 = b.c.events.filter((e) => e.type === 'tier-entered').slice(-1)[0];
    b.after(5).plan(who(p, 'csc', 'head-of-service'), 'Plan at step 3.', [
      { what: 'Hold a strategy discussion', owner: 'police', dueInHours: 48 },
    ]);
    b.after(80).breach();
    b.after(3).decide(who(p, null, 'independent-chair'), 'The threshold is met.', null);
    return { record: b.build(), entered3 };
  }

  it('leaves out everything after the moment and reads the moving facts back from what is kept', () => {
    const { record, entered3 } = seftonCase();
    expect(record.status).not.toBe('open');
    const then = recordAsOf(record, entered3.seq, entered3.at);
    expect(then.events.every((e) => e.seq <= entered3.seq)).toBe(true);
    expect(then.events.map((e) => e.type)).toContain('tier-entered');
    expect(then.status).toBe('open');
    expect(then.closedAt).toBeNull();
    expect([then.tierNumber, then.tierKey]).toEqual([3, record.protocol.tiers[2].key]);
    expect(then.breaches).toBe(0);
    expect(then.decisionOutcome).toBeNull();
    expect(then.planItems).toEqual([]);
    expect(then.actions.every((a) => Date.parse(a.at) <= Date.parse(entered3.at))).toBe(true);
    expect(then.currentDueAt).toBe(
      then.events.filter((e) => e.type === 'deadline-set').slice(-1)[0].detail.dueAt,
    );
  });

  it('gives the report of step 3 as it stood then, whatever happened after', () => {
    const { record, entered3 } = seftonCase();
    const lodged = buildPartnershipReport(recordAsOf(record, entered3.seq, entered3.at), entered3.at);
    const now = buildPartnershipReport(record, entered3.at);
    const step = (r: typeof lodged, n: number) => r.report.steps.find((s) => s.number === n)!;
    expect(step(lodged, 3).reached).toBe(true);
    expect(step(lodged, 4).reached).toBe(false);
    expect(lodged.report.decision).toBeNull();
    expect(step(now, 4).reached).toBe(true);
    expect(now.report.decision).not.toBeNull();
  });

  it('is the same record given the last entry', () => {
    const { record } = seftonCase();
    const last = record.events[record.events.length - 1];
    const same = recordAsOf(record, last.seq, last.at);
    expect([same.status, same.closedAt, same.tierNumber, same.events.length]).toEqual([
      record.status,
      record.closedAt,
      record.tierNumber,
      record.events.length,
    ]);
  });
});
