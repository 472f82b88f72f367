import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { AuditRepository, EscalationsRepository } from '@resolve/persistence';
import { AuthGuard, CurrentCaller } from '../auth/auth.guard';
import { caseRoles, type Caller } from '../auth/caller';
import { NeedToKnow } from '../auth/need-to-know';
import { ApiError, notFound } from '../common/api-error';
import { AuditService, isUuid } from './audit.service';

/** Who may check the whole chain: the partnership roles that answer for the board's records. */
export const VERIFIER_ROLES = ['business-manager', 'independent-chair'] as const;

/** The audit trail: its integrity check, and one case's rows for the partnership's board roles. */
@ApiTags('audit')
@ApiBearerAuth()
@UseGuards(AuthGuard)
@Controller('audit')
export class AuditController {
  constructor(
    private readonly audit: AuditService,
    private readonly rows: AuditRepository,
    private readonly escalations: EscalationsRepository,
    private readonly needToKnow: NeedToKnow,
  ) {}

  @Get('verify')
  @ApiOperation({ summary: 'Walk the hash chain of the audit trail (business manager or independent chair)' })
  async verify(@CurrentCaller() caller: Caller) {
    if (!caller.partnershipRoles.some((r) => (VERIFIER_ROLES as readonly string[]).includes(r))) {
      throw new ApiError(
        'forbidden',
        'only a partnership business manager or independent chair verifies the audit trail',
      );
    }
    return this.audit.verify();
  }

  @Get()
  @ApiOperation({ summary: "One escalation's audit rows, oldest first (the partnership's board roles)" })
  @ApiQuery({ name: 'escalationId', required: true })
  @ApiQuery({
    name: 'after',
    required: false,
    type: Number,
    description: 'seq of the last row of the previous page',
  })
  @ApiQuery({ name: 'limit', required: false, type: Number })
  async list(@CurrentCaller() caller: Caller, @Query() q: Record<string, unknown>) {
    const known = ['escalationId', 'after', 'limit'];
    const unknown = Object.keys(q).filter((k) => !known.includes(k));
    if (unknown.length)
      throw new ApiError(
        'validation-failed',
        `unknown query parameter(s): ${unknown.join(', ')}; known: ${known.join(', ')}`,
      );
    if (!isUuid(q.escalationId))
      throw new ApiError('validation-failed', 'escalationId: the id of an escalation');
    const after = q.after === undefined ? 0 : /^\d{1,15}$/.test(String(q.after)) ? Number(q.after) : NaN;
    if (Number.isNaN(after)) throw new ApiError('validation-failed', 'after: a seq number');
    const limit = q.limit === undefined ? 100 : /^\d{1,3}$/.test(String(q.limit)) ? Number(q.limit) : NaN;
    if (!(limit >= 1 && limit <= 500))
      throw new ApiError('validation-failed', 'limit: a number from 1 to 500');
    const id = q.escalationId.toLowerCase();
    const row = await this.rows.escalation(id);
    // Need to know, as for the case itself: people outside it learn nothing, not even that it exists.
    if (!row) throw notFound(`escalation ${q.escalationId}`);
    const board = caller.partnershipId === row.partnershipId && caseRoles(caller).length > 0;
    if (!board) {
      // A party to the case learns the trail is not theirs to read; anyone else learns nothing.
      const full = await this.escalations.findById(id);
      if (full && (await this.needToKnow.mayRead(caller, full)))
        throw new ApiError('forbidden', "a case's audit trail is for its partnership's board roles");
      throw notFound(`escalation ${q.escalationId}`);
    }
    return this.audit.forEscalation(id, { after, limit });
  }
}
