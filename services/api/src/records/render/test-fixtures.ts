import { getProtocol } from '@resolve/protocols';
import type { CaseAction, CaseActor, CaseRecord, Ref } from './case-record';

/**
 * Builds case records for the renderers' unit tests the way the workflow writes them: timeline
 * entries with actors and action ids, action records with prose, plan items.
 */
export type Who = { person: Ref; agency: Ref | null; role: string; side: CaseActor['side'] };

export const agencies = (p: string) => ({
  csc: { id: `${p}-csc`, name: `${p} Children's Social Care` },
  police: { id: `${p}-police`, name: `${p} Police` },
  health: { id: `${p}-health`, name: `${p} Health Trust` },
});

export function who(p: string, agency: 'csc' | 'police' | 'health' | null, role: string): Who {
  const a = agency ? agencies(p)[agency] : null;
  const side: CaseActor['side'] =
    agency === null ? 'partnership' : agency === 'csc' ? 'raising' : 'receiving';
  return {
    person: { id: `${a?.id ?? p}-${role}`, name: `${agency ?? p} ${role.replace(/-/g, ' ')}` },
    agency: a,
    role,
    side,
  };
}

export class CaseBuilder {
  readonly c: CaseRecord;
  private clock: number;
  private n = 0;

  constructor(protocolId: string, start = '2026-05-18T08:30:00.000Z', overrides: Partial<CaseRecord> = {}) {
    const protocol = getProtocol(protocolId);
    const p = protocol.partnership.id;
    const a = agencies(p);
    this.clock = Date.parse(start);
    this.c = {
      id: '11111111-2222-4333-a444-555555555555',
      reference: 'REF-2026-0001',
      partnership: { id: p, name: protocol.partnership.name },
      protocol,
      protocolVersion: protocol.version,
      category: protocol.categories[0].id,
      status: 'open',
      tierNumber: 1,
      tierKey: protocol.tiers[0].key,
      immediateRisk: false,
      urgent: false,
      raisedAt: start,
      closedAt: null,
      currentDueAt: null,
      breaches: 0,
      raisingAgency: a.csc,
      receivingAgency: a.police,
      raisedBy: who(p, 'csc', 'practitioner').person,
      raisedWith: who(p, 'police', 'practitioner').person,
      subject: {
        kind: 'children',
        people: [
          { name: 'Alexandra Testchild', dateOfBirth: '2016-02-29' },
          { name: 'Sam Testchild', dateOfBirth: '2019-07-01' },
        ],
        caseIdentifier: 'MOSAIC-123456',
        natureOfConcern: 'Disagreement about the threshold for a strategy discussion.',
        outcomesSought: 'A strategy discussion is held.',
      },
      events: [],
      actions: [],
      planItems: [],
      decisionOutcome: null,
      ...overrides,
    };
    const raiser = who(p, 'csc', 'practitioner');
    const id = this.record('raise', raiser, null);
    this.event(
      'raised',
      1,
      { protocol: protocol.id, version: protocol.version, category: this.c.category },
      raiser,
      id,
    );
    this.enter(1, 'raised');
  }

  get p(): string {
    return this.c.partnership.id;
  }

  /** Moves the clock on by hours. */
  after(hours: number): this {
    this.clock += hours * 3_600_000;
    return this;
  }

  now(): string {
    return new Date(this.clock).toISOString();
  }

  private uuid(): string {
    this.n++;
    return `00000000-0000-4000-a000-${String(this.n).padStart(12, '0')}`;
  }

  private record(
    kind: string,
    by: Who,
    text: string | null,
    outcome: CaseAction['outcome'] = 'accepted',
  ): string {
    const id = this.uuid();
    this.c.actions.push({
      id,
      kind,
      at: this.now(),
      person: by.person,
      agency: by.agency,
      role: by.role,
      text,
      outcome,
    });
    return id;
  }

  event(
    type: string,
    tier: number,
    detail: Record<string, unknown> = {},
    by: Who | null = null,
    actionId: string | null = null,
  ): this {
    const action = actionId ? this.c.actions.find((a) => a.id === actionId) : undefined;
    this.c.events.push({
      seq: this.c.events.length + 1,
      at: this.now(),
      type,
      tier,
      actor: by ? { person: by.person, agency: by.agency, role: by.role, side: by.side } : null,
      actionId,
      detail,
      text: action?.text ?? null,
    });
    return this;
  }

  enter(n: number, because: string): this {
    const tier = this.c.protocol.tiers.find((t) => t.number === n)!;
    this.c.tierNumber = n;
    this.c.tierKey = tier.key;
    this.event('tier-entered', n, { key: tier.key, route: tier.route ?? null, because });
    for (const inform of tier.inform) this.event('informed', n, { partnershipRole: inform.partnershipRole });
    this.event('deadline-set', n, {
      dueAt: new Date(this.clock + 48 * 3_600_000).toISOString(),
      explanation: `due in 2 working days (tier ${n})`,
    });
    return this;
  }

  act(
    kind: string,
    by: Who,
    text: string | null,
    eventType: string,
    detail: Record<string, unknown> = {},
  ): string {
    const id = this.record(kind, by, text);
    this.event(eventType, this.c.tierNumber, detail, by, id);
    return id;
  }

  refused(kind: string, by: Who, text: string): this {
    this.record(kind, by, text, 'refused');
    return this;
  }

  escalate(by: Who, reason: string): this {
    const from = this.c.tierNumber;
    this.act('escalate', by, reason, 'escalated', { from, to: from + 1 });
    return this.enter(from + 1, 'escalated');
  }

  breach(): this {
    const due = this.c.events.filter((e) => e.type === 'deadline-set').slice(-1)[0]?.detail.dueAt ?? null;
    this.c.breaches++;
    this.event('deadline-breached', this.c.tierNumber, {
      dueAt: due as string | null,
      onBreach: 'advance-and-alert',
    });
    return this.enter(this.c.tierNumber + 1, 'deadline-breached');
  }

  plan(
    by: Who,
    reason: string | null,
    items: { what: string; owner: 'csc' | 'police'; person?: Who; dueInHours: number; done?: boolean }[],
  ): this {
    const id = this.act('agree-plan', by, reason, 'plan-agreed', { items: items.length });
    for (const it of items) {
      const owner = agencies(this.p)[it.owner];
      this.c.planItems.push({
        id: this.uuid(),
        actionId: id,
        what: it.what,
        ownerAgency: owner,
        ownerPerson: it.person?.person ?? null,
        dueAt: new Date(this.clock + it.dueInHours * 3_600_000).toISOString(),
        status: it.done ? 'done' : 'open',
        agreedAt: this.now(),
        agreedBy: by.person,
      });
    }
    return this;
  }

  note(by: Who, text: string): this {
    this.act('add-note', by, text, 'note-added');
    return this;
  }

  meeting(by: Who, kind: string, inHours: number, note: string | null = null): this {
    this.act('schedule-meeting', by, note, 'meeting-scheduled', {
      meetingKind: kind,
      at: new Date(this.clock + inHours * 3_600_000).toISOString(),
    });
    return this;
  }

  resolve(by: Who, text: string | null, referLearning = false): this {
    const id = this.act('resolve', by, text, 'resolution-confirmed', { side: by.side });
    const sides = new Set(
      this.c.events
        .filter((e) => e.type === 'resolution-confirmed' && e.tier === this.c.tierNumber)
        .map((e) => e.detail.side),
    );
    if (sides.has('raising') && sides.has('receiving')) {
      if (referLearning)
        this.event(
          'learning-referred',
          this.c.tierNumber,
          { subGroup: this.c.protocol.learning.subGroup },
          by,
          id,
        );
      this.close('resolved');
    }
    return this;
  }

  decide(by: Who, text: string, outcome: string | null = null, referLearning = false): this {
    const id = this.act('record-decision', by, text, 'final-decision-recorded', { outcome });
    this.c.decisionOutcome = outcome;
    this.event('final-decision-communicated', this.c.tierNumber);
    if (referLearning)
      this.event(
        'learning-referred',
        this.c.tierNumber,
        { subGroup: this.c.protocol.learning.subGroup },
        by,
        id,
      );
    return this.close('decided');
  }

  withdraw(by: Who, text: string): this {
    this.act('withdraw', by, text, 'withdrawn');
    return this.close('withdrawn');
  }

  close(status: string): this {
    this.c.status = status;
    this.c.closedAt = this.now();
    this.event('closed', this.c.tierNumber, { status });
    return this;
  }

  build(overrides: Partial<CaseRecord> = {}): CaseRecord {
    return { ...this.c, ...overrides };
  }
}
