import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { getProtocol, type Protocol } from '@resolve/protocols';
import type {
  CaseAction,
  CaseActor,
  CaseEvent,
  CasePlanItem,
  CaseRecord,
  CaseSubject,
  Ref,
} from './render/case-record';

/** The escalation row as Postgres returns it (the columns the records use). */
export interface EscalationRowForRecords {
  id: string;
  reference: string;
  partnership_id: string;
  protocol_id: string;
  protocol_version: number;
  category: string;
  status: string;
  tier_number: number;
  tier_key: string;
  immediate_risk: boolean;
  urgent: boolean;
  raising_agency_id: string;
  receiving_agency_id: string;
  raising_person_id: string;
  receiving_person_id: string;
  raised_at: Date;
  current_due_at: Date | null;
  breaches: number;
  state: { decision?: { outcome?: string | null } | null } | null;
  closed_at: Date | null;
}

const iso = (d: Date | string | null | undefined): string | null =>
  d === null || d === undefined ? null : new Date(d).toISOString();

function protocolOrNull(id: string): Protocol | null {
  try {
    return getProtocol(id);
  } catch {
    return null;
  }
}

/**
 * Loads case records in batches: one query per table for any number of cases, names of people,
 * agencies and partnerships resolved. The subject (the child's or adult's details and the case's
 * prose) is loaded only when asked for.
 */
@Injectable()
export class CaseRecordsRepository {
  constructor(private readonly ds: DataSource) {}

  async row(id: string): Promise<EscalationRowForRecords | null> {
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) return null;
    const [row] = await this.ds.query(`SELECT * FROM escalation WHERE id = $1`, [id]);
    return row ?? null;
  }

  async rows(where: string, params: unknown[]): Promise<EscalationRowForRecords[]> {
    return this.ds.query(`SELECT * FROM escalation WHERE ${where} ORDER BY raised_at, reference`, params);
  }

  async load(rows: EscalationRowForRecords[], options: { withSubject: boolean }): Promise<CaseRecord[]> {
    const usable = rows.filter((r) => protocolOrNull(r.protocol_id));
    if (usable.length === 0) return [];
    const ids = usable.map((r) => r.id);
    const [events, actions, plans, subjects] = await Promise.all([
      this.ds.query(
        `SELECT e.escalation_id, e.seq, e.at, e.type, e.tier, e.actor, e.action_id, e.detail, a.text
           FROM escalation_event e LEFT JOIN action_record a ON a.id = e.action_id
          WHERE e.escalation_id = ANY($1) ORDER BY e.escalation_id, e.seq`,
        [ids],
      ) as Promise<
        {
          escalation_id: string;
          seq: number;
          at: Date;
          type: string;
          tier: number;
          actor: { personId: string; agencyId: string | null; role: string; side: CaseActor['side'] } | null;
          action_id: string | null;
          detail: Record<string, unknown>;
          text: string | null;
        }[]
      >,
      this.ds.query(
        `SELECT id, escalation_id, kind, person_id, agency_id, role, text, outcome, created_at
           FROM action_record WHERE escalation_id = ANY($1) ORDER BY created_at, id`,
        [ids],
      ) as Promise<
        {
          id: string;
          escalation_id: string;
          kind: string;
          person_id: string;
          agency_id: string | null;
          role: string;
          text: string | null;
          outcome: CaseAction['outcome'];
          created_at: Date;
        }[]
      >,
      this.ds.query(
        `SELECT id, escalation_id, action_id, owner_agency_id, owner_person_id, description, due_at, status
           FROM plan_item WHERE escalation_id = ANY($1) ORDER BY due_at, id`,
        [ids],
      ) as Promise<
        {
          id: string;
          escalation_id: string;
          action_id: string;
          owner_agency_id: string;
          owner_person_id: string | null;
          description: string;
          due_at: Date;
          status: 'open' | 'done';
        }[]
      >,
      options.withSubject
        ? (this.ds.query(
            `SELECT escalation_id, subject_kind, people, case_identifier, nature_of_concern, outcomes_sought FROM escalation_subject WHERE escalation_id = ANY($1)`,
            [ids],
          ) as Promise<
            {
              escalation_id: string;
              subject_kind: string;
              people: CaseSubject['people'];
              case_identifier: string | null;
              nature_of_concern: string;
              outcomes_sought: string;
            }[]
          >)
        : Promise.resolve([]),
    ]);

    const personIds = new Set<string>();
    const agencyIds = new Set<string>();
    for (const r of usable) {
      personIds.add(r.raising_person_id).add(r.receiving_person_id);
      agencyIds.add(r.raising_agency_id).add(r.receiving_agency_id);
    }
    for (const e of events) {
      if (e.actor?.personId) personIds.add(e.actor.personId);
      if (e.actor?.agencyId) agencyIds.add(e.actor.agencyId);
    }
    for (const a of actions) {
      personIds.add(a.person_id);
      if (a.agency_id) agencyIds.add(a.agency_id);
    }
    for (const p of plans) {
      agencyIds.add(p.owner_agency_id);
      if (p.owner_person_id) personIds.add(p.owner_person_id);
    }
    const partnershipIds = [...new Set(usable.map((r) => r.partnership_id))];
    const [people, agencies, partnerships] = await Promise.all([
      this.ds.query(`SELECT id, display_name AS name FROM person WHERE id = ANY($1)`, [
        [...personIds],
      ]) as Promise<Ref[]>,
      this.ds.query(`SELECT id, name FROM agency WHERE id = ANY($1)`, [[...agencyIds]]) as Promise<Ref[]>,
      this.ds.query(`SELECT id, name FROM partnership WHERE id = ANY($1)`, [partnershipIds]) as Promise<
        Ref[]
      >,
    ]);
    const personName = new Map(people.map((p) => [p.id, p.name]));
    const agencyName = new Map(agencies.map((a) => [a.id, a.name]));
    const partnershipName = new Map(partnerships.map((p) => [p.id, p.name]));
    const person = (id: string): Ref => ({ id, name: personName.get(id) ?? id });
    const agency = (id: string): Ref => ({ id, name: agencyName.get(id) ?? id });

    const group = <T extends { escalation_id: string }>(list: T[]) => {
      const m = new Map<string, T[]>();
      for (const x of list) {
        const arr = m.get(x.escalation_id);
        if (arr) arr.push(x);
        else m.set(x.escalation_id, [x]);
      }
      return m;
    };
    const eventsBy = group(events);
    const actionsBy = group(actions);
    const plansBy = group(plans);
    const subjectBy = new Map(subjects.map((s) => [s.escalation_id, s]));

    return usable.map((r): CaseRecord => {
      const caseActions: CaseAction[] = (actionsBy.get(r.id) ?? []).map((a) => ({
        id: a.id,
        kind: a.kind,
        at: iso(a.created_at)!,
        person: person(a.person_id),
        agency: a.agency_id ? agency(a.agency_id) : null,
        role: a.role,
        text: a.text,
        outcome: a.outcome,
      }));
      const actionById = new Map(caseActions.map((a) => [a.id, a]));
      const caseEvents: CaseEvent[] = (eventsBy.get(r.id) ?? []).map((e) => ({
        seq: e.seq,
        at: iso(e.at)!,
        type: e.type,
        tier: e.tier,
        actor: e.actor
          ? {
              person: person(e.actor.personId),
              agency: e.actor.agencyId ? agency(e.actor.agencyId) : null,
              role: e.actor.role,
              side: e.actor.side,
            }
          : null,
        actionId: e.action_id,
        detail: e.detail ?? {},
        text: e.text,
      }));
      const planItems: CasePlanItem[] = (plansBy.get(r.id) ?? []).map((p) => {
        const agreed = actionById.get(p.action_id);
        return {
          id: p.id,
          actionId: p.action_id,
          what: p.description,
          ownerAgency: agency(p.owner_agency_id),
          ownerPerson: p.owner_person_id ? person(p.owner_person_id) : null,
          dueAt: iso(p.due_at)!,
          status: p.status,
          agreedAt: agreed?.at ?? null,
          agreedBy: agreed?.person ?? null,
        };
      });
      const s = subjectBy.get(r.id);
      return {
        id: r.id,
        reference: r.reference,
        partnership: {
          id: r.partnership_id,
          name: partnershipName.get(r.partnership_id) ?? r.partnership_id,
        },
        protocol: protocolOrNull(r.protocol_id)!,
        protocolVersion: r.protocol_version,
        category: r.category,
        status: r.status,
        tierNumber: r.tier_number,
        tierKey: r.tier_key,
        immediateRisk: r.immediate_risk,
        urgent: r.urgent,
        raisedAt: iso(r.raised_at)!,
        closedAt: iso(r.closed_at),
        currentDueAt: iso(r.current_due_at),
        breaches: r.breaches,
        raisingAgency: agency(r.raising_agency_id),
        receivingAgency: agency(r.receiving_agency_id),
        raisedBy: person(r.raising_person_id),
        raisedWith: person(r.receiving_person_id),
        subject: s
          ? {
              kind: s.subject_kind,
              people: Array.isArray(s.people) ? s.people : [],
              caseIdentifier: s.case_identifier,
              natureOfConcern: s.nature_of_concern,
              outcomesSought: s.outcomes_sought,
            }
          : null,
        events: caseEvents,
        actions: caseActions,
        // Plan items of a refused plan are deleted by the API; those of a plan still pending are not yet part of the record.
        planItems: planItems.filter((p) => actionById.get(p.actionId)?.outcome === 'accepted'),
        decisionOutcome: r.state?.decision?.outcome ?? null,
      };
    });
  }
}
