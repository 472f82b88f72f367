import {
  HttpException,
  Injectable,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { catchError, from, mergeMap, throwError, type Observable } from 'rxjs';
import { AuditRepository, type AuditedActionRecord, type AuditedEscalation } from '@resolve/persistence';
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
  // Reports and directory reads name people and count cases; codec calls decrypt case payloads
  // for the Temporal UI. Each is audited like a read of a case (issue 13).
  if (segs[0] === 'partnerships' && segs[1] === ':partnershipId' && method === 'GET') {
    if (segs[2] === 'reports' && segs.length > 3)
      return { action: ['report', ...segs.slice(3)].join('.'), scope: 'other', post };
    if (segs.length === 2) return { action: 'directory.read.partnership', scope: 'other', post };
    if (segs.length === 3 && (segs[2] === 'people' || segs[2] === 'agencies'))
      return { action: `directory.read.${segs[2]}`, scope: 'other', post };
  }
  if (segs[0] === 'agencies' && segs[1] === ':agencyId' && segs.length === 2 && method === 'GET') {
    return { action: 'directory.read.agency', scope: 'other', post };
  }
  if (segs[0] === 'codec' && post && (segs[1] === 'decode' || segs[1] === 'encode') && segs.length === 2) {
    return { action: `codec.${segs[1]}`, scope: 'other', post };
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
function actorOnCase(caller: Caller, row: AuditedEscalation, action: string): Standing {
  const parties = {
    partnershipId: row.partnershipId,
    raisingAgencyId: row.raisingAgencyId,
    receivingAgencyId: row.receivingAgencyId,
  };
  if (action === 'escalation.decision') {
    let by = 'independent-chair';
    try {
      by = getProtocol(row.protocolId).finalDecision.by;
    } catch {
      // unknown protocol: the default role
    }
    return (
      partnershipActorWithRole(caller, row.partnershipId, by as never) ??
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
    private readonly rows: AuditRepository,
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
      return await this.rows.databaseClock();
    } catch {
      return null;
    }
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
    const row = escalationId ? await this.rows.escalation(escalationId) : null;

    // The action_record this request wrote or replayed: named by the answer, else found by
    // person, case and time (a refusal after the record was written).
    let record: AuditedActionRecord | null = null;
    if (row && escalationId && target.scope === 'raise') {
      record = await this.rows.raiseRecord(escalationId);
    } else if (row && escalationId && target.post && caller) {
      if (isUuid(answer.actionId)) {
        record = await this.rows.actionRecord(answer.actionId, escalationId);
      } else if (since) {
        // The service stores the request id on the record when it can: that one first.
        record = await this.rows.latestActionRecordBy({
          escalationId,
          personId: caller.personId,
          since,
          requestId: requestIdOf(req),
        });
      }
    }

    let who: Standing = null;
    if (record && record.role !== 'pending') who = { agencyId: record.agencyId, role: record.role };
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
    if (target.scope === 'other') {
      // Which partnership's or agency's data was read (ids only; never the answer itself).
      for (const name of ['partnershipId', 'agencyId'] as const) {
        const value = req.params?.[name];
        if (typeof value === 'string' && /^[\w.:-]{1,100}$/.test(value)) detail[name] = value;
      }
      if (target.action.startsWith('report.') && !err) detail.filter = filterOf(req.query);
    }
    if (err) Object.assign(detail, errorDetail(err));

    const entry: AuditEntry = {
      requestId: requestIdOf(req),
      personId: caller?.personId ?? null,
      agencyId: who?.agencyId ?? null,
      role: who?.role ?? null,
      partnershipId: row?.partnershipId ?? caller?.partnershipId ?? null,
      escalationId,
      action: target.action,
      outcome,
      actionRecordId: record?.id ?? null,
      detail,
    };
    await this.audit.append(entry);
  }
}
