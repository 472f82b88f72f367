import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsISO8601,
  IsInt,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';

export class SubjectPersonDto {
  @ApiProperty({ description: "The child's or adult's name (kept in Postgres only)" })
  @IsString()
  @Length(1, 200)
  name!: string;

  @ApiPropertyOptional({ example: '2015-03-01', format: 'date' })
  @IsOptional()
  @IsISO8601({ strict: true })
  dateOfBirth?: string;
}

export class SubjectDto {
  @ApiProperty({ enum: ['child', 'children', 'adult', 'none'] })
  @IsIn(['child', 'children', 'adult', 'none'])
  kind!: 'child' | 'children' | 'adult' | 'none';

  @ApiPropertyOptional({ type: [SubjectPersonDto] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @ValidateNested({ each: true })
  @Type(() => SubjectPersonDto)
  people?: SubjectPersonDto[];

  @ApiPropertyOptional({ description: 'Case-management identifier, e.g. Mosaic ID' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  caseIdentifier?: string;
}

export class RaiseEscalationDto {
  @ApiProperty({ example: 'sefton-sscp' })
  @IsString()
  @Length(1, 100)
  protocolId!: string;

  @ApiProperty({
    example: 'SEF-2026-0042',
    description:
      "Case reference: letters, digits and hyphens, with at least one digit; never a person's name",
  })
  @IsString()
  @Matches(/^(?=.*\d)[A-Z0-9][A-Z0-9-]{2,39}$/, {
    message:
      'reference must be 3-40 capital letters, digits and hyphens, with at least one digit (a case reference, not a name)',
  })
  reference!: string;

  @ApiProperty({ example: 'sefton-csc' })
  @IsString()
  @Length(1, 100)
  raisingAgencyId!: string;

  @ApiProperty({ example: 'sefton-police' })
  @IsString()
  @Length(1, 100)
  receivingAgencyId!: string;

  @ApiProperty({
    description: 'The person in the receiving agency the concern is raised with',
    example: 'sefton-police-practitioner',
  })
  @IsString()
  @Length(1, 100)
  receivingPersonId!: string;

  @ApiProperty({ description: "A category id from the protocol's list" })
  @IsString()
  @Length(1, 100)
  category!: string;

  @ApiProperty({ description: 'Nature of the concern (kept in Postgres only)' })
  @IsString()
  @Length(1, 10_000)
  natureOfConcern!: string;

  @ApiProperty({ description: 'Outcomes sought (kept in Postgres only)' })
  @IsString()
  @Length(1, 10_000)
  outcomesSought!: string;

  @ApiPropertyOptional({ default: false })
  @IsOptional()
  @IsBoolean()
  immediateRisk?: boolean;

  @ApiPropertyOptional({
    description:
      'Start the case at this tier: only where the protocol names entry roles for it and you hold one (e.g. a conference chair starting at stage 2)',
    minimum: 1,
    example: 2,
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(20)
  startAtTier?: number;

  @ApiPropertyOptional({
    description:
      "When the concern was identified, if before the raise: the clock may start then, within the protocol's limit (counting.identifiedAtNoEarlierThanWorkingDays). Needs concernIdentifiedReason.",
    format: 'date-time',
  })
  @IsOptional()
  @IsISO8601({ strict: true })
  concernIdentifiedAt?: string;

  @ApiPropertyOptional({ description: 'Why the clock starts before the raise (kept in Postgres only)' })
  @IsOptional()
  @IsString()
  @Length(1, 2000)
  concernIdentifiedReason?: string;

  @ApiPropertyOptional({
    description:
      'A timescale that protects the child from harm: the first tier is due at the earlier of this and its own timescale, where the tier lets your role set one',
    format: 'date-time',
  })
  @IsOptional()
  @IsISO8601({ strict: true })
  protectiveDeadline?: string;

  @ApiPropertyOptional({ type: SubjectDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => SubjectDto)
  subject?: SubjectDto;
}
