import { Body, Controller, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuthGuard, CurrentCaller } from '../auth/auth.guard';
import type { Caller } from '../auth/caller';
import { AcceptsIdempotencyKey, IdempotencyKey } from '../common/idempotency-key.decorator';
import { EscalationId, ProtocolKeyParamPipe } from '../common/uuid-param.pipe';
import {
  AcknowledgeDto,
  ActionDto,
  AgreePlanDto,
  AppointChairDto,
  DecideUrgencyDto,
  EscalateDto,
  DecisionDto,
  NoteDto,
  ProposeExtensionDto,
  ProtectiveDeadlineDto,
  RecordOutcomeDto,
  ResolveDto,
  ScheduleMeetingDto,
} from './dto/action.dto';
import { CorrectionDto } from './dto/correction.dto';
import { ListEscalationsQuery } from './dto/list-escalations.query';
import { RaiseEscalationDto } from './dto/raise-escalation.dto';
import { EscalationCommandsService, IMMEDIATE_RISK_REMINDER } from './escalation-commands.service';
import { EscalationQueriesService } from './escalation-queries.service';
import { RateLimited } from '../common/rate-limit/rate-limits';

/** Agencies' actions on escalations. Thin: reads go to the queries, changes to the commands. */
@ApiTags('escalations')
@ApiBearerAuth()
@UseGuards(AuthGuard)
@Controller('escalations')
@RateLimited('cases')
export class EscalationsController {
  constructor(
    private readonly escalations: EscalationCommandsService,
    private readonly queries: EscalationQueriesService,
  ) {}

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
  list(@CurrentCaller() caller: Caller, @Query() query: ListEscalationsQuery) {
    return this.queries.list(caller, query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One escalation: state, deadline with its explanation, plan items and timeline' })
  get(@CurrentCaller() caller: Caller, @EscalationId() id: string) {
    return this.queries.get(caller, id);
  }

  @Post(':id/acknowledge')
  @HttpCode(200)
  @AcceptsIdempotencyKey()
  acknowledge(
    @CurrentCaller() c: Caller,
    @EscalationId() id: string,
    @Body() b: AcknowledgeDto,
    @IdempotencyKey() k?: string,
  ) {
    return this.escalations.act(
      c,
      id,
      'acknowledge',
      { text: b.reason, args: b.resolveBy ? { resolveBy: new Date(b.resolveBy).toISOString() } : {} },
      { idempotencyKey: k },
    );
  }

  @Post(':id/respond')
  @HttpCode(200)
  @AcceptsIdempotencyKey()
  respond(
    @CurrentCaller() c: Caller,
    @EscalationId() id: string,
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
    @EscalationId() id: string,
    @Body() b: AgreePlanDto,
    @IdempotencyKey() k?: string,
  ) {
    return this.escalations.agreePlan(c, id, b, { idempotencyKey: k });
  }

  @Post(':id/plan/accept')
  @HttpCode(200)
  @ApiOperation({ summary: "Agree the other agency's proposed plan of action: it is then mutually agreed" })
  @AcceptsIdempotencyKey()
  acceptPlan(
    @CurrentCaller() c: Caller,
    @EscalationId() id: string,
    @Body() b: ActionDto,
    @IdempotencyKey() k?: string,
  ) {
    return this.escalations.act(c, id, 'accept-plan', { text: b.reason }, { idempotencyKey: k });
  }

  @Post(':id/urgency')
  @HttpCode(200)
  @ApiOperation({
    summary:
      "Decide whether the case is urgent (by the roles the protocol names, e.g. Lincolnshire's SLOs), with a reason; apart from immediate risk",
  })
  @AcceptsIdempotencyKey()
  urgency(
    @CurrentCaller() c: Caller,
    @EscalationId() id: string,
    @Body() b: DecideUrgencyDto,
    @IdempotencyKey() k?: string,
  ) {
    return this.escalations.act(
      c,
      id,
      'decide-urgency',
      // The reason stays in Postgres; the engine learns only that one was given.
      { text: b.reason, args: { urgent: b.urgent, reasonGiven: Boolean(b.reason?.trim()) } },
      { idempotencyKey: k },
    );
  }

  @Post(':id/chair')
  @HttpCode(200)
  @ApiOperation({ summary: "Appoint the chair of the case's final step (by the roles the protocol names)" })
  @AcceptsIdempotencyKey()
  appointChair(
    @CurrentCaller() c: Caller,
    @EscalationId() id: string,
    @Body() b: AppointChairDto,
    @IdempotencyKey() k?: string,
  ) {
    return this.escalations.appointChair(c, id, b, { idempotencyKey: k });
  }

  @Post(':id/protective-deadline')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Set or change the timescale that protects the child from harm (the roles the tier names), with a reason; the deadline is counted again',
  })
  @AcceptsIdempotencyKey()
  protectiveDeadline(
    @CurrentCaller() c: Caller,
    @EscalationId() id: string,
    @Body() b: ProtectiveDeadlineDto,
    @IdempotencyKey() k?: string,
  ) {
    return this.escalations.act(
      c,
      id,
      'set-protective-deadline',
      // The reason stays in Postgres; the engine learns only that one was given.
      {
        text: b.reason,
        args: { dueAt: new Date(b.dueAt).toISOString(), reasonGiven: Boolean(b.reason?.trim()) },
      },
      { idempotencyKey: k },
    );
  }

  @Post(':id/plan-items/:itemId/complete')
  @HttpCode(200)
  @AcceptsIdempotencyKey()
  completeItem(
    @CurrentCaller() c: Caller,
    @EscalationId() id: string,
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

  @Post(':id/steps/:stepKey/complete')
  @HttpCode(200)
  @ApiOperation({
    summary:
      "Complete one of the current tier's consecutive steps (the form issued, the reply recorded); only the step's owner may",
  })
  @AcceptsIdempotencyKey()
  completeStep(
    @CurrentCaller() c: Caller,
    @EscalationId() id: string,
    @Param('stepKey', new ProtocolKeyParamPipe('stepKey')) stepKey: string,
    @Body() b: ActionDto,
    @IdempotencyKey() k?: string,
  ) {
    return this.escalations.act(
      c,
      id,
      'complete-step',
      { text: b.reason, args: { stepKey } },
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
    @EscalationId() id: string,
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
    @EscalationId() id: string,
    @Body() b: EscalateDto,
    @IdempotencyKey() k?: string,
  ) {
    return this.escalations.act(
      c,
      id,
      'escalate',
      // The reason stays in Postgres; the engine learns only that one was given.
      {
        text: b.reason,
        args: { reasonGiven: Boolean(b.reason?.trim()), ...(b.route ? { route: b.route } : {}) },
      },
      { idempotencyKey: k },
    );
  }

  @Post(':id/immediate-risk')
  @HttpCode(200)
  @ApiOperation({ summary: 'Flag immediate risk: the protocol fast track applies' })
  @AcceptsIdempotencyKey()
  async immediateRisk(
    @CurrentCaller() c: Caller,
    @EscalationId() id: string,
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
    @EscalationId() id: string,
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
    @EscalationId() id: string,
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
    @EscalationId() id: string,
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
    @EscalationId() id: string,
    @Body() b: ScheduleMeetingDto,
    @IdempotencyKey() k?: string,
  ) {
    return this.escalations.act(
      c,
      id,
      'schedule-meeting',
      {
        text: b.reason,
        args: {
          meetingKind: b.kind,
          at: new Date(b.at).toISOString(),
          ...(b.heldAs ? { heldAs: b.heldAs } : {}),
        },
      },
      { idempotencyKey: k, prefer: 'partnership' },
    );
  }

  @Post(':id/decision')
  @HttpCode(200)
  @ApiOperation({ summary: 'Record the final and binding decision (the chair only)' })
  @AcceptsIdempotencyKey()
  decision(
    @CurrentCaller() c: Caller,
    @EscalationId() id: string,
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

  @Post(':id/outcome')
  @HttpCode(200)
  @ApiOperation({
    summary:
      "Close the case with one of its protocol's named outcomes (e.g. Sutton 7.3: the designated safeguarding lead does not concur), with its record",
  })
  @AcceptsIdempotencyKey()
  outcome(
    @CurrentCaller() c: Caller,
    @EscalationId() id: string,
    @Body() b: RecordOutcomeDto,
    @IdempotencyKey() k?: string,
  ) {
    return this.escalations.act(
      c,
      id,
      'record-outcome',
      // The record stays in Postgres; the engine learns only that one was given.
      { text: b.record, args: { outcome: b.outcome, accountGiven: Boolean(b.record?.trim()) } },
      { idempotencyKey: k },
    );
  }

  @Post(':id/learning-referral')
  @HttpCode(200)
  @ApiOperation({ summary: 'Refer learning to the partnership sub-group' })
  @AcceptsIdempotencyKey()
  learning(
    @CurrentCaller() c: Caller,
    @EscalationId() id: string,
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
    @EscalationId() id: string,
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
    @EscalationId() id: string,
    @Body() b: NoteDto,
    @IdempotencyKey() k?: string,
  ) {
    return this.escalations.act(c, id, 'add-note', { text: b.text }, { idempotencyKey: k });
  }

  @Post(':id/corrections')
  @HttpCode(201)
  @ApiOperation({
    summary:
      "Correct an entry of the case record (an action's words, or the subject's details) with a new entry naming it; the original is kept as written",
  })
  @AcceptsIdempotencyKey()
  correct(
    @CurrentCaller() c: Caller,
    @EscalationId() id: string,
    @Body() b: CorrectionDto,
    @IdempotencyKey() k?: string,
  ) {
    return this.escalations.correct(c, id, b, { idempotencyKey: k });
  }
}
