import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { TIER_FORMATS } from '@resolve/protocols';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsISO8601,
  IsOptional,
  IsString,
  Length,
  ValidateNested,
} from 'class-validator';

/** Every action may say why; the text stays in Postgres, the workflow gets its id. */
export class ActionDto {
  @ApiPropertyOptional({ description: 'Why (kept in Postgres only)' })
  @IsOptional()
  @IsString()
  @Length(1, 10_000)
  reason?: string;
}

export class ResolveDto extends ActionDto {
  @ApiPropertyOptional({ description: 'Refer learning to the partnership sub-group on closure' })
  @IsOptional()
  @IsBoolean()
  referLearning?: boolean;
}

export class NoteDto {
  @ApiProperty()
  @IsString()
  @Length(1, 10_000)
  text!: string;
}

export class PlanItemDto {
  @ApiProperty({ description: 'What will be done (kept in Postgres only)' })
  @IsString()
  @Length(1, 2000)
  what!: string;

  @ApiProperty({ description: 'Agency that owns the item: one of the two in the case' })
  @IsString()
  @Length(1, 100)
  ownerAgencyId!: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Length(1, 100)
  ownerPersonId?: string;

  @ApiProperty({ example: '2026-06-01T16:00:00Z' })
  @IsISO8601({ strict: true })
  dueAt!: string;
}

export class AgreePlanDto extends ActionDto {
  @ApiProperty({ type: [PlanItemDto] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  @Type(() => PlanItemDto)
  items!: PlanItemDto[];

  @ApiPropertyOptional({
    enum: TIER_FORMATS,
    description:
      "How the tier was held: required where the tier names its formats (conductedAs, e.g. Lincolnshire s117 aftercare: 'line-manager-intervention' or 'multi-disciplinary-meeting'); refused naming them otherwise",
  })
  @IsOptional()
  @IsIn(TIER_FORMATS)
  heldAs?: string;
}

export class ProposeExtensionDto extends ActionDto {
  @ApiProperty({ description: 'The proposed new deadline', example: '2026-06-10T16:00:00Z' })
  @IsISO8601({ strict: true })
  dueAt!: string;
}

export class ScheduleMeetingDto extends ActionDto {
  @ApiProperty({
    enum: ['chaired-meeting', 'mediation', 'resolution-panel', 'professionals-meeting', 'review-conference'],
  })
  @IsIn(['chaired-meeting', 'mediation', 'resolution-panel', 'professionals-meeting', 'review-conference'])
  kind!: string;

  @ApiProperty({ example: '2026-06-02T10:00:00Z' })
  @IsISO8601({ strict: true })
  at!: string;

  @ApiPropertyOptional({
    enum: TIER_FORMATS,
    description:
      'How the tier is held: required where the tier names its formats (conductedAs); refused naming them otherwise',
  })
  @IsOptional()
  @IsIn(TIER_FORMATS)
  heldAs?: string;
}

export class DecideUrgencyDto extends ActionDto {
  @ApiProperty({
    description:
      "Whether urgent resolution is required, decided by the roles the protocol names (urgencyDecidedBy; Lincolnshire: the SLOs). Picks the last step's route where urgency picks it; immediate risk is flagged apart. A reason is required.",
    example: true,
  })
  @IsBoolean()
  urgent!: boolean;
}

export class DecisionDto {
  @ApiProperty({ description: 'The final and binding decision (kept in Postgres only)' })
  @IsString()
  @Length(1, 20_000)
  decision!: string;

  @ApiPropertyOptional({ description: "An outcome id when the tier lists outcomes (e.g. 'uphold-decision')" })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  outcome?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  referLearning?: boolean;
}

export class AcknowledgeDto extends ActionDto {
  @ApiPropertyOptional({
    description:
      "The chair's timescale for resolution, where the tier's chair acknowledges (BSCB stage 4); it becomes the deadline",
    example: '2026-06-30T16:00:00Z',
  })
  @IsOptional()
  @IsISO8601({ strict: true })
  resolveBy?: string;
}

export class EscalateDto extends ActionDto {
  @ApiPropertyOptional({
    description:
      "The next step's route where the protocol leaves the choice to people (Lincolnshire step 4: 'urgent-chaired-meeting' or 'learning-referral')",
  })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  route?: string;
}

export class AppointChairDto extends ActionDto {
  @ApiProperty({
    description:
      "The person appointed to chair the case's final step; they must hold the protocol's deciding role",
  })
  @IsString()
  @Length(1, 100)
  chairPersonId!: string;
}

export class ProtectiveDeadlineDto extends ActionDto {
  @ApiProperty({
    description:
      "The case's timescale that protects the child from harm, set or changed after the raise by a role the current tier names (protectiveDeadline.setBy); the tier is then due at the earlier of it and its own timescale. A reason is required.",
    example: '2026-06-03T12:00:00Z',
  })
  @IsISO8601({ strict: true })
  dueAt!: string;
}

export class RecordOutcomeDto {
  @ApiProperty({
    description:
      "One of the protocol's named closing outcomes (closingOutcomes[].key, e.g. 'lead-does-not-concur'), recorded by a role it names at a tier it names; the case closes with it",
    example: 'lead-does-not-concur',
  })
  @IsString()
  @Length(1, 100)
  outcome!: string;

  @ApiPropertyOptional({
    description:
      'What was decided and why: the record of the outcome (kept in Postgres only). Required by the engine.',
  })
  @IsOptional()
  @IsString()
  @Length(1, 20_000)
  record?: string;
}
