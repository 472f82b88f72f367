import { Injectable } from '@nestjs/common';
import {
  ActionRecordsRepository,
  DirectoryRepository,
  EscalationsRepository,
  PlanItemsRepository,
  SubjectsRepository,
  TimelineEventsRepository,
  type EscalationEntity,
} from '@resolve/persistence';
import { getProtocolVersion, type Protocol } from '@resolve/protocols';
import type { CaseAction, CaseActor, CaseEvent, CasePlanItem, CaseRecord, Ref } from './model/case-record';

const iso = (d: Date | string | null | undefined): string | null =>
  d === null || d === undefined ? null : new Date(d).toISOString();

/** The protocol version the case was raised under: its records use that version's words. */
function protocolOrNull(id: string, version: number): Protocol | null {
  try {
    return getProtocolVersion(id, version);
  } catch {
    return null;
  }
}

/** The actor as the workflow's projection stores it on a timeline entry. */
type StoredActor = { personId: string; agencyId: string | null; role: string; side: CaseActor['side'] };

/** Groups rows by their case. */
function byEscalation<T extends { escalationId: string }>(list: T[]): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const x of list) {
    const arr = m.get(x.escalationId);
    if (arr) arr.push(x);
    else m.set(x.escalationId, [x]);
  }
  return m;
}

/**
 * Assembles case records from the case repositories, in batches: one read per table for any
 * number of cases, with the names of people, agencies and partnerships resolved from the
 * directory. The subject (the child's or adult's details and the case's prose) is read only
 * when asked for.
 */
@Injectable()
export class CaseRecordsReader {
  constructor(
    private readonly escalations: EscalationsRepository,
    private readonly timeline: TimelineEventsRepository,
    private readonly actions: ActionRecordsRepository,
    private readonly planItems: PlanItemsRepository,
    private readonly subjects: SubjectsRepository,
    private readonly directory: DirectoryRepository,
  ) {}

  /** One case's row; `id` is a uuid (the controllers' pipe checks it). */
  row(id: string): Promise<EscalationEntity | null> {
    return this.escalations.findById(id);
  }

  /** Cases the agency raised or received, raised in [from, to). */
  forAgency(agencyId: string, period: { from: string | null; to: string | null }) {
    return this.escalations.forAgency(agencyId, period);
  }

  /** Cases of the partnership raised in, closed in, or open at the end of [from, to). */
  forPartnershipPeriod(partnershipId: string, period: { from: string; to: string }) {
    return this.escalations.forPartnershipPeriod(partnershipId, period);
  }

  /** The records of these cases (those whose protocol this server still knows), in the rows' order. */
  async load(rows: EscalationEntity[], options: { withSubject: boolean }): Promise<CaseRecord[]> {
    const usable = rows.filter((r) => protocolOrNull(r.protocolId, r.protocolVersion));
    if (usable.length === 0) return [];
    const ids = usable.map((r) => r.id);
    const [events, actions, plans, subjects] = await Promise.all([
      this.timeline.forEscalations(ids),
      this.actions.forEscalations(ids),
      this.planItems.forEscalations(ids),
      options.withSubject ? this.subjects.forEscalations(ids) : Promise.resolve([]),
    ]);

    const personIds = new Set<string>();
    const agencyIds = new Set<string>();
    for (const r of usable) {
      personIds.add(r.raisingPersonId).add(r.receivingPersonId);
      agencyIds.add(r.raisingAgencyId).add(r.receivingAgencyId);
    }
    for (const e of events) {
      const actor = e.actor as StoredActor | null;
      if (actor?.personId) personIds.add(actor.personId);
      if (actor?.agencyId) agencyIds.add(actor.agencyId);
    }
    for (const a of actions) {
      personIds.add(a.personId);
      if (a.agencyId) agencyIds.add(a.agencyId);
    }
    for (const p of plans) {
      agencyIds.add(p.ownerAgencyId);
      if (p.ownerPersonId) personIds.add(p.ownerPersonId);
    }
    const names = await this.names({
      personIds: [...personIds],
      agencyIds: [...agencyIds],
      partnershipIds: [...new Set(usable.map((r) => r.partnershipId))],
    });
    const person = (id: string): Ref => ({ id, name: names.people.get(id) ?? id });
    const agency = (id: string): Ref => ({ id, name: names.agencies.get(id) ?? id });

    const eventsBy = byEscalation(events);
    const actionsBy = byEscalation(actions);
    const plansBy = byEscalation(plans);
    const subjectBy = new Map(subjects.map((s) => [s.escalationId, s]));

    return usable.map((r): CaseRecord => {
      const caseActions: CaseAction[] = (actionsBy.get(r.id) ?? []).map((a) => ({
        id: a.id,
        kind: a.kind,
        at: iso(a.createdAt)!,
        person: person(a.personId),
        agency: a.agencyId ? agency(a.agencyId) : null,
        role: a.role,
        text: a.text,
        outcome: a.outcome,
      }));
      const actionById = new Map(caseActions.map((a) => [a.id, a]));
      const caseEvents: CaseEvent[] = (eventsBy.get(r.id) ?? []).map((e) => {
        const actor = e.actor as StoredActor | null;
        return {
          seq: e.seq,
          at: iso(e.at)!,
          type: e.type,
          tier: e.tier,
          actor: actor
            ? {
                person: person(actor.personId),
                agency: actor.agencyId ? agency(actor.agencyId) : null,
                role: actor.role,
                side: actor.side,
              }
            : null,
          actionId: e.actionId,
          detail: e.detail ?? {},
          text: e.text,
        };
      });
      const planItems: CasePlanItem[] = (plansBy.get(r.id) ?? []).map((p) => {
        const agreed = actionById.get(p.actionId);
        return {
          id: p.id,
          actionId: p.actionId,
          what: p.description,
          ownerAgency: agency(p.ownerAgencyId),
          ownerPerson: p.ownerPersonId ? person(p.ownerPersonId) : null,
          dueAt: iso(p.dueAt)!,
          status: p.status,
          agreedAt: agreed?.at ?? null,
          agreedBy: agreed?.person ?? null,
        };
      });
      const s = subjectBy.get(r.id);
      const state = r.state as { decision?: { outcome?: string | null } | null } | null;
      return {
        id: r.id,
        reference: r.reference,
        partnership: {
          id: r.partnershipId,
          name: names.partnerships.get(r.partnershipId) ?? r.partnershipId,
        },
        protocol: protocolOrNull(r.protocolId, r.protocolVersion)!,
        protocolVersion: r.protocolVersion,
        category: r.category,
        status: r.status,
        tierNumber: r.tierNumber,
        tierKey: r.tierKey,
        immediateRisk: r.immediateRisk,
        urgent: r.urgent,
        raisedAt: iso(r.raisedAt)!,
        closedAt: iso(r.closedAt),
        currentDueAt: iso(r.currentDueAt),
        breaches: r.breaches,
        raisingAgency: agency(r.raisingAgencyId),
        receivingAgency: agency(r.receivingAgencyId),
        raisedBy: person(r.raisingPersonId),
        raisedWith: person(r.receivingPersonId),
        subject: s
          ? {
              kind: s.subjectKind,
              people: Array.isArray(s.people) ? s.people : [],
              caseIdentifier: s.caseIdentifier,
              natureOfConcern: s.natureOfConcern,
              outcomesSought: s.outcomesSought,
            }
          : null,
        events: caseEvents,
        actions: caseActions,
        // Plan items of a refused plan are deleted by the API; those of a plan still pending are not yet part of the record.
        planItems: planItems.filter((p) => actionById.get(p.actionId)?.outcome === 'accepted'),
        decisionOutcome: state?.decision?.outcome ?? null,
      };
    });
  }

  /** Display names from the directory; an id it does not know keeps the id as its name. */
  private names(ids: { personIds: string[]; agencyIds: string[]; partnershipIds: string[] }) {
    return this.directory.displayNames({
      personIds: [...new Set(ids.personIds)],
      agencyIds: [...new Set(ids.agencyIds)],
      partnershipIds: [...new Set(ids.partnershipIds)],
    });
  }
}
