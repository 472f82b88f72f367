import type { ActionAuthorisation, AuthoriseActionRequest } from '@resolve/contracts';
import type {
  ActionRecordsRepository,
  AuditRepository,
  DirectoryRepository,
  EscalationsRepository,
} from '@resolve/persistence';
import { createLogger } from '@resolve/logging';

const logger = createLogger('worker');

export interface AuthorisationDeps {
  actions: ActionRecordsRepository;
  directory: DirectoryRepository;
  escalations: EscalationsRepository;
  audit: AuditRepository;
}

/**
 * The worker's check that an action reaching a workflow came through the Resolve API. Temporal's
 * frontend accepts updates from anyone who can reach it; only the API writes action records,
 * after checking the caller's token and need to know. So an action is applied only when:
 * - its record exists, for this escalation, this kind and this person;
 * - the actor's agency is the case's agency on that side (or none, for the partnership), and
 *   the agency and role match what the API recorded;
 * - the person holds, in the directory, every role the actor claims on that side;
 * - the line management the actor claims (for "their line manager" steps) is the directory's.
 * Anything else is refused and written to the audit trail.
 */
export function createAuthorisationActivities(deps: AuthorisationDeps) {
  return {
    async authoriseAction(request: AuthoriseActionRequest): Promise<ActionAuthorisation> {
      const reason = await refusalOf(deps, request);
      if (!reason) return { authorised: true };
      logger.warn('action refused: not authorised by the API', {
        escalationId: request.escalationId,
        actionId: request.actionId,
        kind: request.kind,
        // Not `reason`: the log redacts fields of that name (they usually hold a person's text).
        refusal: reason,
      });
      const escalation = await deps.escalations.findById(request.escalationId);
      await deps.audit.record({
        requestId: `worker:${request.actionId}`,
        personId: request.actor.personId,
        agencyId: request.actor.agencyId,
        role: request.actor.role,
        partnershipId: escalation?.partnershipId ?? null,
        escalationId: request.escalationId,
        action: `workflow.${request.kind}`,
        outcome: 403,
        actionRecordId: null,
        detail: { refused: 'not-authorised-by-api', reason },
      });
      return { authorised: false, reason };
    },
  };
}

async function refusalOf(deps: AuthorisationDeps, request: AuthoriseActionRequest): Promise<string | null> {
  const { actor } = request;
  if (request.alreadyApplied) return 'an action with this id was already applied (a replay)';
  const record = await deps.actions.identityOf(request.actionId);
  if (!record) return 'no action record was written for it';
  if (record.escalationId !== request.escalationId) return 'its record belongs to another escalation';
  if (record.kind !== request.kind) return `its record is of another kind (${record.kind})`;
  if (record.personId !== actor.personId) return 'its record was written for another person';
  if ((record.agencyId ?? null) !== (actor.agencyId ?? null) || record.role !== actor.role)
    return 'the agency or role differs from its record';
  const escalation = await deps.escalations.findById(request.escalationId);
  if (!escalation) return 'no such escalation';
  const expectedAgency =
    actor.side === 'raising'
      ? escalation.raisingAgencyId
      : actor.side === 'receiving'
        ? escalation.receivingAgencyId
        : null;
  if ((actor.agencyId ?? null) !== expectedAgency) return `the agency is not the case's ${actor.side} side`;
  const person = await deps.directory.callerByPersonId(actor.personId);
  if (!person || person.partnershipId !== escalation.partnershipId)
    return 'the person is not in the partnership';
  const held =
    actor.side === 'partnership'
      ? person.partnershipRoles
      : person.agencyRoles.filter((r) => r.agencyId === actor.agencyId).map((r) => r.role as string);
  const claimed = [actor.role, ...(actor.heldRoles ?? [])];
  const unheld = claimed.filter((r) => !held.includes(r));
  if (unheld.length) return `the person does not hold ${[...new Set(unheld)].join(', ')}`;
  if (actor.side !== 'partnership') {
    // The claim decides who acts where a step says "their line manager", so it must be the
    // directory's: claimed, or left out, it must match the relation recorded now.
    const professional = actor.side === 'raising' ? escalation.raisingPersonId : escalation.receivingPersonId;
    const recorded = (await deps.directory.lineManagersOf([professional])).get(professional) ?? null;
    const expected = recorded === null ? undefined : recorded === actor.personId;
    if (actor.managesPractitioner !== expected)
      return `the line management it claims differs from the directory's (${expected === undefined ? 'none recorded' : expected ? 'their line manager' : 'not their line manager'})`;
  }
  return null;
}
