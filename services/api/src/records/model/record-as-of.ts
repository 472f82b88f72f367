import type { CaseRecord } from './case-record';

/**
 * The case record as it stood just after timeline entry `seq` (at `at`): what a form lodged at
 * that moment says, whenever the lodger gets to it. Later entries, actions and plan items are
 * left out, and the row's facts that move (status, tier, deadline, breaches, decision) are read
 * back from the entries kept. Pure: the same record and moment give the same form.
 */
export function recordAsOf(record: CaseRecord, seq: number, at: string): CaseRecord {
  const cut = Date.parse(at);
  const events = record.events.filter((e) => e.seq <= seq);
  const actions = record.actions.filter((a) => Date.parse(a.at) <= cut);
  const completed = new Set(
    events.filter((e) => e.type === 'plan-item-completed').map((e) => String(e.detail.itemId)),
  );
  const planItems = record.planItems
    .filter((p) => p.agreedAt === null || Date.parse(p.agreedAt) <= cut)
    .map((p) => ({ ...p, status: completed.has(p.id) ? ('done' as const) : ('open' as const) }));
  const closed = [...events].reverse().find((e) => e.type === 'closed');
  const entered = [...events].reverse().find((e) => e.type === 'tier-entered');
  const deadline = [...events]
    .reverse()
    .find(
      (e) => e.type === 'deadline-set' || e.type === 'deadline-recomputed' || e.type === 'extension-agreed',
    );
  const dueAt = deadline?.detail.dueAt ?? deadline?.detail.newDueAt;
  return {
    ...record,
    status: closed ? String(closed.detail.status ?? record.status) : 'open',
    closedAt: closed ? closed.at : null,
    tierNumber: entered ? entered.tier : record.tierNumber,
    tierKey: entered && typeof entered.detail.key === 'string' ? entered.detail.key : record.tierKey,
    currentDueAt: closed ? null : typeof dueAt === 'string' ? dueAt : null,
    breaches: events.filter((e) => e.type === 'deadline-breached').length,
    decisionOutcome: events.some((e) => e.type === 'final-decision-recorded') ? record.decisionOutcome : null,
    events,
    actions,
    planItems,
  };
}
