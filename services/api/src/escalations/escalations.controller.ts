import { Body, Controller, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { AuthGuard, CurrentCaller } from '../auth/auth.guard';
import type { Caller } from '../auth/caller';
import { ApiError } from '../common/api-error';
import { AcceptsIdempotencyKey, IdempotencyKey } from '../common/idempotency-key.decorator';
import {
  ActionDto,
  AgreePlanDto,
  DecisionDto,
  NoteDto,
  ProposeExtensionDto,
  ResolveDto,
  ScheduleMeetingDto,
} from './dto/action.dto';
import { RaiseEscalationDto } from './dto/raise-escalation.dto';
import { EscalationsService, IMMEDIATE_RISK_REMINDER, type ListFilters } from './escalations.service';

/** Agencies' actions on escalations. Thin: each endpoint delegates to the service. */
@ApiTags('escalations')
@ApiBearerAuth()
@UseGuards(AuthGuard)
@Controller('escalations')
export class EscalationsController {
  constructor(private readonly escalations: EscalationsService) {}

  @Post()
  @ApiOperation({ summary: 'Raise an escalation and start its protocol' })
  @AcceptsIdempotencyKey()
  raise(@CurrentCaller() caller: Caller, @Body() dto: RaiseEscalationDto, @IdempotencyKey() key?: string) {
    return this.escalations.raise(caller, dto, key);
  }

  @Get()
  @ApiOperation({
    summary: 'Escalations the caller may see, newest first, with filters and cursor pagination',
  })
  @ApiQuery({ name: 'partnershipId', required: false })
  @ApiQuery({ name: 'protocolId', required: false })
  @ApiQuery({
    name: 'status',
    required: false,
    enum: ['open', 'resolved', 'decided', 'referred-for-learning', 'withdrawn'],
  })
  @ApiQuery({ name: 'tier', required: false, type: Number })
  @ApiQuery({ name: 'agencyId', required: false })
  @ApiQuery({ name: 'overdue', required: false, type: Boolean })
  @ApiQuery({ name: 'raisedFrom', required: false })
  @ApiQuery({ name: 'raisedTo', required: false })
  @ApiQuery({ name: 'cursor', required: false })
  @ApiQuery({ name: 'limit', required: false, type: Number })
  list(@CurrentCaller() caller: Caller, @Query() q: Record<string, string>) {
    return this.escalations.list(caller, parseFilters(q));
  }

  @Get(':id')
  @ApiOperation({ summary: 'One escalation: state, deadline with its explanation, plan items and timeline' })
  get(@CurrentCaller() caller: Caller, @Param('id') id: string) {
    return this.escalations.get(caller, id);
  }

  @Post(':id/acknowledge')
  @HttpCode(200)
  @AcceptsIdempotencyKey()
  acknowledge(
    @CurrentCaller() c: Caller,
    @Param('id') id: string,
    @Body() b: ActionDto,
    @IdempotencyKey() k?: string,
  ) {
    return this.escalations.act(c, id, 'acknowledge', { text: b.reason }, { idempotencyKey: k });
  }

  @Post(':id/respond')
  @HttpCode(200)
  @AcceptsIdempotencyKey()
  respond(
    @CurrentCaller() c: Caller,
    @Param('id') id: string,
    @Body() b: ActionDto,
    @IdempotencyKey() k?: string,
  ) {
    return this.escalations.act(c, id, 'respond', { text: b.reason }, { idempotencyKey: k });
  }

  @Post(':id/plan')
  @HttpCode(200)
  @ApiOperation({ summary: 'Agree a plan of action: who, what, by when' })
  @AcceptsIdempotencyKey()
  plan(
    @CurrentCaller() c: Caller,
    @Param('id') id: string,
    @Body() b: AgreePlanDto,
    @IdempotencyKey() k?: string,
  ) {
    return this.escalations.agreePlan(c, id, b, { idempotencyKey: k });
  }

  @Post(':id/plan-items/:itemId/complete')
  @HttpCode(200)
  @AcceptsIdempotencyKey()
  completeItem(
    @CurrentCaller() c: Caller,
    @Param('id') id: string,
    @Param('itemId') itemId: string,
    @Body() b: ActionDto,
    @IdempotencyKey() k?: string,
  ) {
    return this.escalations.act(
      c,
      id,
      'complete-plan-item',
      { text: b.reason, args: { itemId } },
      { idempotencyKey: k },
    );
  }

  @Post(':id/resolve')
  @HttpCode(200)
  @ApiOperation({
    summary: "Confirm resolution (both agencies where the protocol says 'to both agencies' satisfaction')",
  })
  @AcceptsIdempotencyKey()
  resolve(
    @CurrentCaller() c: Caller,
    @Param('id') id: string,
    @Body() b: ResolveDto,
    @IdempotencyKey() k?: string,
  ) {
    return this.escalations.act(
      c,
      id,
      'resolve',
      { text: b.reason, args: { referLearning: b.referLearning ?? false } },
      { idempotencyKey: k },
    );
  }

  @Post(':id/escalate')
  @HttpCode(200)
  @ApiOperation({ summary: 'Escalate to the next tier now, with a reason' })
  @AcceptsIdempotencyKey()
  escalate(
    @CurrentCaller() c: Caller,
    @Param('id') id: string,
    @Body() b: ActionDto,
    @IdempotencyKey() k?: string,
  ) {
    if (!b.reason)
      throw new ApiError('validation-failed', 'reason: say why the escalation moves to the next tier now');
    return this.escalations.act(c, id, 'escalate', { text: b.reason }, { idempotencyKey: k });
  }

  @Post(':id/immediate-risk')
  @HttpCode(200)
  @ApiOperation({ summary: 'Flag immediate risk: the protocol fast track applies' })
  @AcceptsIdempotencyKey()
  async immediateRisk(
    @CurrentCaller() c: Caller,
    @Param('id') id: string,
    @Body() b: ActionDto,
    @IdempotencyKey() k?: string,
  ) {
    const result = await this.escalations.act(
      c,
      id,
      'flag-immediate-risk',
      { text: b.reason },
      { idempotencyKey: k },
    );
    return { ...result, notice: IMMEDIATE_RISK_REMINDER };
  }

  @Post(':id/extension')
  @HttpCode(200)
  @ApiOperation({ summary: 'Propose a longer timetable for the current tier' })
  @AcceptsIdempotencyKey()
  proposeExtension(
    @CurrentCaller() c: Caller,
    @Param('id') id: string,
    @Body() b: ProposeExtensionDto,
    @IdempotencyKey() k?: string,
  ) {
    return this.escalations.act(
      c,
      id,
      'propose-extension',
      { text: b.reason, args: { dueAt: new Date(b.dueAt).toISOString() } },
      { idempotencyKey: k },
    );
  }

  @Post(':id/extension/accept')
  @HttpCode(200)
  @AcceptsIdempotencyKey()
  acceptExtension(
    @CurrentCaller() c: Caller,
    @Param('id') id: string,
    @Body() b: ActionDto,
    @IdempotencyKey() k?: string,
  ) {
    return this.escalations.act(c, id, 'accept-extension', { text: b.reason }, { idempotencyKey: k });
  }

  @Post(':id/extension/decline')
  @HttpCode(200)
  @AcceptsIdempotencyKey()
  declineExtension(
    @CurrentCaller() c: Caller,
    @Param('id') id: string,
    @Body() b: ActionDto,
    @IdempotencyKey() k?: string,
  ) {
    return this.escalations.act(c, id, 'decline-extension', { text: b.reason }, { idempotencyKey: k });
  }

  @Post(':id/meeting')
  @HttpCode(200)
  @ApiOperation({ summary: 'Schedule the chaired meeting, mediation or resolution panel' })
  @AcceptsIdempotencyKey()
  meeting(
    @CurrentCaller() c: Caller,
    @Param('id') id: string,
    @Body() b: ScheduleMeetingDto,
    @IdempotencyKey() k?: string,
  ) {
    return this.escalations.act(
      c,
      id,
      'schedule-meeting',
      { text: b.reason, args: { meetingKind: b.kind, at: new Date(b.at).toISOString() } },
      { idempotencyKey: k, prefer: 'partnership' },
    );
  }

  @Post(':id/decision')
  @HttpCode(200)
  @ApiOperation({ summary: 'Record the final and binding decision (the chair only)' })
  @AcceptsIdempotencyKey()
  decision(
    @CurrentCaller() c: Caller,
    @Param('id') id: string,
    @Body() b: DecisionDto,
    @IdempotencyKey() k?: string,
  ) {
    return this.escalations.act(
      c,
      id,
      'record-decision',
      { text: b.decision, args: { outcome: b.outcome, referLearning: b.referLearning ?? false } },
      { idempotencyKey: k },
    );
  }

  @Post(':id/learning-referral')
  @HttpCode(200)
  @ApiOperation({ summary: 'Refer learning to the partnership sub-group' })
  @AcceptsIdempotencyKey()
  learning(
    @CurrentCaller() c: Caller,
    @Param('id') id: string,
    @Body() b: ActionDto,
    @IdempotencyKey() k?: string,
  ) {
    return this.escalations.act(c, id, 'refer-learning', { text: b.reason }, { idempotencyKey: k });
  }

  @Post(':id/withdraw')
  @HttpCode(200)
  @ApiOperation({ summary: 'Withdraw the escalation (the raiser only)' })
  @AcceptsIdempotencyKey()
  withdraw(
    @CurrentCaller() c: Caller,
    @Param('id') id: string,
    @Body() b: ActionDto,
    @IdempotencyKey() k?: string,
  ) {
    return this.escalations.act(c, id, 'withdraw', { text: b.reason }, { idempotencyKey: k });
  }

  @Post(':id/notes')
  @HttpCode(200)
  @AcceptsIdempotencyKey()
  note(
    @CurrentCaller() c: Caller,
    @Param('id') id: string,
    @Body() b: NoteDto,
    @IdempotencyKey() k?: string,
  ) {
    return this.escalations.act(c, id, 'add-note', { text: b.text }, { idempotencyKey: k });
  }
}

const STATUSES = ['open', 'resolved', 'decided', 'referred-for-learning', 'withdrawn'];

function parseFilters(q: Record<string, string>): ListFilters {
  const known = [
    'partnershipId',
    'protocolId',
    'status',
    'tier',
    'agencyId',
    'overdue',
    'raisedFrom',
    'raisedTo',
    'cursor',
    'limit',
  ];
  const unknown = Object.keys(q).filter((k) => !known.includes(k));
  if (unknown.length)
    throw new ApiError(
      'validation-failed',
      `unknown query parameter(s): ${unknown.join(', ')}; known: ${known.join(', ')}`,
    );
  const f: ListFilters = {};
  const text = (k: keyof ListFilters) => {
    const v = q[k];
    if (v === undefined) return;
    if (typeof v !== 'string' || v.length === 0 || v.length > 100)
      throw new ApiError('validation-failed', `${k}: 1-100 characters`);
    (f as Record<string, unknown>)[k] = v;
  };
  text('partnershipId');
  text('protocolId');
  text('agencyId');
  text('cursor');
  if (q.status !== undefined) {
    if (!STATUSES.includes(q.status))
      throw new ApiError('validation-failed', `status: one of ${STATUSES.join(', ')}`);
    f.status = q.status;
  }
  if (q.tier !== undefined) {
    if (!/^[1-9]\d?$/.test(q.tier)) throw new ApiError('validation-failed', 'tier: a tier number from 1');
    f.tier = Number(q.tier);
  }
  if (q.limit !== undefined) {
    if (!/^\d+$/.test(q.limit) || Number(q.limit) < 1 || Number(q.limit) > 200)
      throw new ApiError('validation-failed', 'limit: a number from 1 to 200');
    f.limit = Number(q.limit);
  }
  if (q.overdue !== undefined) {
    if (!['true', 'false'].includes(q.overdue))
      throw new ApiError('validation-failed', 'overdue: true or false');
    f.overdue = q.overdue === 'true';
  }
  for (const k of ['raisedFrom', 'raisedTo'] as const) {
    if (q[k] === undefined) continue;
    if (Number.isNaN(Date.parse(q[k])) || !/^\d{4}-\d{2}-\d{2}/.test(q[k]))
      throw new ApiError('validation-failed', `${k}: an ISO-8601 date or instant`);
    f[k] = new Date(q[k]).toISOString();
  }
  return f;
}
