import {
  decisionOf,
  finalRouteOf,
  highestTier,
  meetingOf,
  outcomeOf,
  participants,
  tierTimeline,
} from './case-record';
import { CaseBuilder, who } from '../../../test/fixtures/case-records';

describe('case record derivations', () => {
  it('builds the tier timeline from tier-entered entries, with deadlines, breaches, reasons and endings', () => {
    const b = new CaseBuilder('sefton-sscp');
    const p = b.p;
    b.after(2).escalate(who(p, 'csc', 'practitioner'), 'No reply to two calls.');
    b.after(60).breach();
    b.after(3)
      .resolve(who(p, 'csc', 'head-of-service'), 'Agreed.')
      .resolve(who(p, 'police', 'head-of-service'), null);
    const t = tierTimeline(b.build());
    expect(t.map((x) => [x.number, x.enteredBecause, x.endedBy])).toEqual([
      [1, 'raised', 'escalated'],
      [2, 'escalated', 'deadline-breached'],
      [3, 'deadline-breached', 'resolved'],
    ]);
    expect(t[1].escalationReason).toBe('No reply to two calls.');
    expect(t[1].escalatedBy).toBe('csc practitioner');
    expect(t[1].breachedAt).not.toBeNull();
    expect(t[0].breachedAt).toBeNull();
    expect(t[0].dueAt).toBe('2026-05-20T08:30:00.000Z');
    expect(t[0].leftAt).toBe(t[1].enteredAt);
    expect(t[2].leftAt).toBe(b.c.closedAt);
    expect(t[2].title).toMatch(/Head of Service/);
    expect(highestTier(b.build()).number).toBe(3);
  });

  it('falls back to the row before the workflow has projected any entry', () => {
    const b = new CaseBuilder('bscb');
    const t = tierTimeline(b.build({ events: [] }));
    expect(t).toHaveLength(1);
    expect(t[0]).toMatchObject({ number: 1, enteredAt: b.c.raisedAt, enteredBecause: 'raised' });
  });

  it('takes the outcome from the words of the closing actions only (refused attempts are not the record)', () => {
    const b = new CaseBuilder('sefton-sscp');
    const p = b.p;
    b.refused('resolve', who(p, 'police', 'practitioner'), 'refused words');
    b.resolve(who(p, 'csc', 'practitioner'), 'Strategy discussion on Monday.').resolve(
      who(p, 'police', 'practitioner'),
      'Agreed.',
    );
    const o = outcomeOf(b.build());
    expect(o).toMatchObject({
      status: 'resolved',
      statement: 'Strategy discussion on Monday.\n\nAgreed.',
      by: ['csc practitioner', 'police practitioner'],
    });
    expect(outcomeOf(new CaseBuilder('bscb').build())).toMatchObject({
      status: 'open',
      statement: null,
      closedAt: null,
    });
  });

  it('finds the meeting, the decision and the route: outcome first, then meeting kind', () => {
    const b = new CaseBuilder('bscb');
    const p = b.p;
    b.escalate(who(p, 'csc', 'line-manager'), 'r1')
      .escalate(who(p, 'csc', 'service-manager'), 'r2')
      .escalate(who(p, 'csc', 'board-member'), 'r3');
    b.meeting(who(p, null, 'independent-chair'), 'mediation', 48, 'Room 2');
    b.after(50).decide(
      who(p, null, 'independent-chair'),
      'CSC holds a strategy discussion.',
      'resolution-panel',
    );
    const c = b.build();
    expect(meetingOf(c)).toMatchObject({
      kind: 'mediation',
      kindLabel: 'Mediation',
      note: 'Room 2',
      tier: 4,
      scheduledBy: 'bscb independent chair',
    });
    expect(decisionOf(c)).toMatchObject({
      text: 'CSC holds a strategy discussion.',
      outcome: 'resolution-panel',
      tier: 4,
      chair: { name: 'bscb independent chair' },
    });
    expect(decisionOf(c)!.communicatedAt).not.toBeNull();
    expect(finalRouteOf(c).route).toBe('resolution-panel');
    const noOutcome = new CaseBuilder('sefton-sscp');
    noOutcome.meeting(who('sefton-sscp', null, 'independent-chair'), 'chaired-meeting', 24);
    expect(finalRouteOf(noOutcome.build()).route).toBe('chaired-meeting');
    expect(finalRouteOf(new CaseBuilder('sefton-sscp').build()).route).toBe('not-recorded');
  });

  it('lists each person once per role, with the tier they first acted at', () => {
    const b = new CaseBuilder('sefton-sscp');
    const p = b.p;
    b.note(who(p, 'csc', 'practitioner'), 'n1')
      .escalate(who(p, 'csc', 'practitioner'), 'r')
      .note(who(p, 'police', 'line-manager'), 'n2');
    expect(participants(b.build()).map((x) => [x.name, x.role, x.tier])).toEqual([
      ['csc practitioner', 'practitioner', 1],
      ['police line manager', 'line-manager', 2],
    ]);
  });
});
