import { ApiError } from '../common/api-error';
import { actorFor } from '../auth/caller';
import { requestIdOf } from '../audit/request-id';
import type { WebApplication } from './web-application';
import type { SignedInRequest } from './web-request';

/** A case's parties, as the queries service returns them. */
interface Parties {
  id: string;
  partnershipId: string;
  raisingAgencyId: string;
  receivingAgencyId: string;
}

/**
 * The pages' entries in the API's audit trail (AuditService: the same hash chain): every case
 * read, record opened, list, raise and action, with `detail.channel = 'web'`. Reads fail closed
 * as the API's do: a case whose read cannot be recorded is not shown.
 */
export class WebAudit {
  constructor(private readonly app: WebApplication) {}

  async record(
    req: SignedInRequest,
    entry: {
      action: string;
      outcome: number;
      escalation?: Parties | null;
      actionRecordId?: string | null;
      detail?: Record<string, unknown>;
    },
  ): Promise<void> {
    const { caller } = req.web;
    const who = entry.escalation
      ? actorFor(caller, entry.escalation)
      : caller.agencyRoles[0]
        ? { agencyId: caller.agencyRoles[0].agencyId, role: caller.agencyRoles[0].role }
        : { agencyId: null, role: caller.partnershipRoles[0] ?? null };
    await this.app.audit.append({
      requestId: requestIdOf(req),
      personId: caller.personId,
      agencyId: who?.agencyId ?? null,
      role: who?.role ?? null,
      partnershipId: entry.escalation?.partnershipId ?? caller.partnershipId,
      escalationId: entry.escalation?.id ?? null,
      action: entry.action,
      outcome: entry.outcome,
      actionRecordId: entry.actionRecordId ?? null,
      detail: { channel: 'web', ...(entry.detail ?? {}) },
    });
  }

  /** A read: recorded before the page is shown, or the page is not shown. */
  async read(
    req: SignedInRequest,
    action: string,
    escalation: Parties | null,
    detail?: Record<string, unknown>,
  ) {
    try {
      await this.record(req, { action, outcome: 200, escalation, detail });
    } catch {
      throw new ApiError(
        'unavailable',
        'the audit trail could not be written, so nothing is shown; try again',
      );
    }
  }
}
