import {
  HttpException,
  Injectable,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { catchError, from, mergeMap, throwError, type Observable } from 'rxjs';
import { DataSource } from 'typeorm';
import { AGENCY_ROLES, getProtocol } from '@resolve/protocols';
import { actorFor, partnershipActorWithRole, type Caller } from '../auth/caller';
import { ApiError, STATUS_BY_CODE } from '../common/api-error';
import { isNulTextError } from '../common/api-exception.filter';
import { logger } from '../common/logger';
import { AuditService, isUuid, type AuditEntry } from './audit.service';
import { requestIdOf } from './request-id';

/** What a route is, for the audit trail. */
export interface AuditTarget {
  action: string;
  /** case: about one escalation (id in the path, or for GET /audit in the query); raise; list; other. */
  scope: 'case' | 'raise' | 'list' | 'other';
  idFrom?: 'param' | 'query';
  post: boolean;
}

/**
 * Which requests are audited, from the matched route: every read of a case (and of its records),
 * every list call, every POST under /escalations (raise and each action), an agency's escalation
 * log, and the audit endpoints themselves.
 * New action endpoints under /escalations/:id are audited without a change here.
 */
export function auditTarget(method: string, routePath: string | undefined): AuditTarget | null {
  if (!routePath) return null;
  const segs = routePath.split('/').filter(Boolean);
  const post = method === 'POST';
  if (segs[0] === 'escalations') {
    if (segs.length === 1) {
      if (post) return { action: 'escalation.raise', scope: 'raise', post };
      if (method === 'GET') return { action: 'escalation.list', scope: 'list', post };
      return null;
    }
    if (segs[1] !== ':id' || (method !== 'GET' && !post)) return null;
    const rest = segs.slice(2).filter((s) => !s.startsWith(':'));
    const action =
      method === 'GET' ? ['escalation', 'read', ...rest].join('.') : ['escalation', ...rest].join('.');
    return { action, scope: 'case', idFrom: 'param', post };
  }
  // An agency's escalation log (records) lists that agency's cases: audited like a list.
  if (
    segs[0] === 'agencies' &&
    segs[1] === ':agencyId' &&
    segs[2]?.startsWith('escalation-log') &&
    method === 'GET'
  ) {
    return { action: 'agency.escalation-log', scope: 'list', post };
  }
  if (segs[0] === 'audit' && method === 'GET') {
    if (segs.length === 1) return { action: 'audit.read', scope: 'case', idFrom: 'query', post };
    return { action: `audit.${segs.slice(1).join('.')}`, scope: 'other', post };
  }
  return null;
}

/** The HTTP status ApiExceptionFilter answers for an error (kept in step with that filter). */
export function statusOf(err: unknown): number {
  if (err instanceof ApiError) return STATUS_BY_CODE[err.code];
  if (err instanceof HttpException) return err.getStatus();
  if (err instanceof SyntaxError) return 400;
  if (isNulTextError(err)) return 400;
  const status = (err as { status?: unknown })?.status;
  if (typeof status === 'number' && status >= 400 && status < 500) return status;
  return 500;
}

const CODE = /^[a-z0-9][a-z0-9-]{0,59}$/;

/** Codes only: messages can quote what a client sent. */
function errorDetail(err: unknown): Record<string, string> {
  if (err instanceof ApiError) {
    const reason = err.details.reason;
    return { error: err.code, ...(typeof reason === 'string' && CODE.test(reason) ? { reason } : {}) };
  }
  if (err instanceof HttpException) return { error: `http-${err.getStatus()}` };
  return { error: statusOf(err) === 500 ? 'internal' : 'client-error' };
}

/** The list filter as given: ids, statuses, dates. Anything else is not copied. */
function filterOf(query: Request['query']): Record<string, string | boolean> {
  const filter: Record<string, string | boolean> = {};
  for (const [k, v] of Object.entries(query ?? {})) {
    if (!/^[A-Za-z]{1,30}$/.test(k) || typeof v !== 'string') continue;
    filter[k] = k === 'cursor' ? true : /^[\w.:@+-]{1,100}$/.test(v) ? v : '<not shown>';
  }
  return filter;
}

interface CaseRow {
  partnership_id: string;
  protocol_id: string;
  raising_agency_id: string;
  receiving_agency_id: string;
}

type Standing = { agencyId: string | null; role: string } | null;

/** How the caller stands when no case is involved (a list, a raise that failed, the audit check). */
function standing(caller: Caller, prefer: 'agency' | 'partnership', agencyId?: unknown): Standing {
  const agencies = caller.agencyRoles
    .filter((r) => agencyId === undefined || r.agencyId === agencyId)
    .sort((a, b) => AGENCY_ROLES.indexOf(b.role) - AGENCY_ROLES.indexOf(a.role));
  const agency = agencies[0] ? { agencyId: agencies[0].agencyId, role: agencies[0].role as string } : null;
  const partnership = caller.partnershipRoles[0]
    ? { agencyId: null, role: caller.partnershipRoles[0] as string }
    : null;
  return prefer === 'partnership' ? (partnership ?? agency) : (agency ?? partnership);
}

/** How the API resolves the caller on a case for this action (as EscalationsService does). */
function actorOnCase(caller: Caller, row: CaseRow, action: string): Standing {
  const parties = {
    partnershipId: row.partnership_id,
    raisingAgencyId: row.raising_agency_id,
    receivingAgencyId: row.receiving_agency_id,
  };
  if (action === 'escalation.decision') {
    let by = 'independent-chair';
    try {
      by = getProtocol(row.protocol_id).finalDecision.by;
    } catch {
      // unknown protocol: the default role
    }
    return (
      partnershipActorWithRole(caller, row.partnership_id, by as never) ??
      actorFor(caller, parties, 'partnership')
    );
  }
  if (action === 'escalation.meeting' || action.startsWith('audit.'))
    return actorFor(caller, parties, 'partnership');
  return actorFor(caller, parties);
}

type AuditedRequest = Request & { caller?: Caller };

/**
 * Appends one audit row per audited request, after the handler, on success and on error alike.
 * Reads fail closed: when the row cannot be written the case is not shown (503). Actions have
 * already happened by then and are in the case's own history, so their answer stands and the
 * failure is logged. Requests refused before the handler (no or bad token: 401; rate limit: 429)
 * have no caller and are not audited.
 */
@Injectable()
export class AuditInterceptor implements NestInterceptor {
  constructor(
    private readonly audit: AuditService,
    private readonly ds: DataSource,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const req = context.switchToHttp().getRequest<AuditedRequest>();
    const res = context.switchToHttp().getResponse<Response>();
    const target = auditTarget(req.method, (req.route as { path?: string } | undefined)?.path);
    if (!target) return next.handle();
    // For actions: the database's clock before the handler runs, to find the action_record
    // this request wrote when the answer does not name it (a refusal).
    const before = target.scope === 'case' && target.post ? this.dbClock() : Promise.resolve(null);
    return from(before).pipe(
      mergeMap((since) =>
        next.handle().pipe(
          catchError((err: unknown) =>
            from(
              this.write(req, target, statusOf(err), null, err, since).catch((writeErr) =>
                logger.error('audit row could not be written', {
                  action: target.action,
                  error: String((writeErr as Error)?.message ?? writeErr),
                }),
              ),
            ).pipe(mergeMap(() => throwError(() => err))),
          ),
          mergeMap(async (body: unknown) => {
            try {
              await this.write(req, target, res.statusCode, body, null, since);
            } catch (writeErr) {
              logger.error('audit row could not be written', {
                action: target.action,
                error: String((writeErr as Error)?.message ?? writeErr),
              });
              if (!target.post)
                throw new ApiError(
                  'unavailable',
                  'the audit trail could not be written, so nothing is shown; try again',
                );
            }
            return body;
          }),
        ),
      ),
    );
  }

  private async dbClock(): Promise<string | null> {
    try {
      const [row] = await this.ds.query(`SELECT clock_timestamp()::text AS now`);
      return row.now as string;
    } catch {
      return null;
    }
  }

  private async caseRow(id: string): Promise<CaseRow | null> {
    const [row] = await this.ds.query(
      `SELECT partnership_id, protocol_id, raising_agency_id, receiving_agency_id FROM escalation WHERE id = $1`,
      [id],
    );
    return row ?? null;
  }

  private async write(
    req: AuditedRequest,
    target: AuditTarget,
    outcome: number,
    body: unknown,
    err: unknown,
    since: string | null,
  ) {
    const caller = req.caller;
    const answer = (body ?? {}) as Record<string, unknown>;
    let escalationId: string | null = null;
    if (target.scope === 'case') {
      const raw = target.idFrom === 'query' ? req.query?.escalationId : req.params?.id;
      escalationId = isUuid(raw) ? raw.toLowerCase() : null;
    } else if (target.scope === 'raise') {
      const raw = answer.id ?? (err instanceof ApiError ? err.details.escalationId : undefined);
      escalationId = isUuid(raw) ? raw.toLowerCase() : null;
    }
    const row = escalationId ? await this.caseRow(escalationId) : null;

    // The action_record this request wrote or replayed: named by the answer, else found by
    // person, case and time (a refusal after the record was written).
    let record: { id: string; agency_id: string | null; role: string } | undefined;
    if (row && target.scope === 'raise') {
      [record] = await this.ds.query(
        `SELECT id, agency_id, role FROM action_record WHERE escalation_id = $1 AND kind = 'raise' LIMIT 1`,
        [escalationId],
      );
    } else if (row && target.post && caller) {
      if (isUuid(answer.actionId)) {
        [record] = await this.ds.query(
          `SELECT id, agency_id, role FROM action_record WHERE id = $1 AND escalation_id = $2`,
          [answer.actionId, escalationId],
        );
      } else if (since) {
        // The service stores the request id on the record when it can: that one first.
        [record] = await this.ds.query(
          `SELECT id, agency_id, role FROM action_record
            WHERE escalation_id = $1 AND person_id = $2 AND created_at >= $3::timestamptz
            ORDER BY (request_id IS NOT DISTINCT FROM $4) DESC, created_at DESC LIMIT 1`,
          [escalationId, caller.personId, since, requestIdOf(req)],
        );
      }
    }

    let who: Standing = null;
    if (record && record.role !== 'pending') who = { agencyId: record.agency_id, role: record.role };
    else if (caller && row) who = actorOnCase(caller, row, target.action);
    else if (caller && target.scope === 'raise')
      who = standing(caller, 'agency', (req.body as { raisingAgencyId?: unknown })?.raisingAgencyId);
    else if (caller && target.scope !== 'case')
      who = standing(caller, target.scope === 'other' ? 'partnership' : 'agency');

    const detail: Record<string, unknown> = {};
    if (target.scope === 'list') {
      const agencyId = req.params?.agencyId;
      if (typeof agencyId === 'string' && /^[\w.:-]{1,100}$/.test(agencyId)) detail.agencyId = agencyId;
      if (!err) detail.filter = filterOf(req.query);
      if (Array.isArray(answer.items)) detail.count = answer.items.length;
    }
    if (err) Object.assign(detail, errorDetail(err));

    const entry: AuditEntry = {
      requestId: requestIdOf(req),
      personId: caller?.personId ?? null,
      agencyId: who?.agencyId ?? null,
      role: who?.role ?? null,
      partnershipId: row?.partnership_id ?? caller?.partnershipId ?? null,
      escalationId,
      action: target.action,
      outcome,
      actionRecordId: record?.id ?? null,
      detail,
    };
    await this.audit.append(entry);
  }
}
