import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, Length, ValidateBy, type ValidationOptions } from 'class-validator';

export const ESCALATION_STATUSES = [
  'open',
  'resolved',
  'decided',
  'referred-for-learning',
  'withdrawn',
  'closed-with-outcome',
];

/** A query parameter that must satisfy `test`; one message for every way it can be wrong. */
function QueryValue(name: string, test: (value: string) => boolean, message: string) {
  const options: ValidationOptions = { message };
  return ValidateBy({ name, validator: { validate: (v) => typeof v === 'string' && test(v) } }, options);
}

/** A date or instant starts with a calendar date (the rest is left to Date.parse). */
const DATE_START = '^\\d{4}-\\d{2}-\\d{2}';

const Text100 = (name: string) => Length(1, 100, { message: `${name}: 1-100 characters` });

/**
 * GET /escalations' query parameters, as the client sends them (strings). Each is checked by
 * one rule with one message; the service turns the checked strings into the list's filter.
 */
export class ListEscalationsQuery {
  @ApiPropertyOptional({ minLength: 1, maxLength: 100 })
  @IsOptional()
  @Text100('partnershipId')
  partnershipId?: string;

  @ApiPropertyOptional({ minLength: 1, maxLength: 100 })
  @IsOptional()
  @Text100('protocolId')
  protocolId?: string;

  @ApiPropertyOptional({ enum: ESCALATION_STATUSES })
  @IsOptional()
  @IsIn(ESCALATION_STATUSES, { message: `status: one of ${ESCALATION_STATUSES.join(', ')}` })
  status?: string;

  @ApiPropertyOptional({ type: Number, minimum: 1, maximum: 99, description: 'Tier (step) number' })
  @IsOptional()
  @QueryValue('tierNumber', (v) => /^[1-9]\d?$/.test(v), 'tier: a tier number from 1')
  tier?: string;

  @ApiPropertyOptional({
    minLength: 1,
    maxLength: 100,
    description: 'Cases this agency raised or received',
  })
  @IsOptional()
  @Text100('agencyId')
  agencyId?: string;

  @ApiPropertyOptional({ type: Boolean, description: 'Open cases whose current deadline has passed' })
  @IsOptional()
  @IsIn(['true', 'false'], { message: 'overdue: true or false' })
  overdue?: string;

  @ApiPropertyOptional({ description: 'ISO-8601 date or instant; raised at or after', pattern: DATE_START })
  @IsOptional()
  @QueryValue('isoDateOrInstant', isDateOrInstant, 'raisedFrom: an ISO-8601 date or instant')
  raisedFrom?: string;

  @ApiPropertyOptional({ description: 'ISO-8601 date or instant; raised before', pattern: DATE_START })
  @IsOptional()
  @QueryValue('isoDateOrInstant', isDateOrInstant, 'raisedTo: an ISO-8601 date or instant')
  raisedTo?: string;

  @ApiPropertyOptional({
    minLength: 1,
    maxLength: 100,
    description: "The previous page's nextCursor",
  })
  @IsOptional()
  @Text100('cursor')
  cursor?: string;

  @ApiPropertyOptional({ type: Number, minimum: 1, maximum: 200, description: 'Page size (default 50)' })
  @IsOptional()
  @QueryValue(
    'pageSize',
    (v) => /^\d+$/.test(v) && Number(v) >= 1 && Number(v) <= 200,
    'limit: a number from 1 to 200',
  )
  limit?: string;
}

function isDateOrInstant(value: string): boolean {
  return !Number.isNaN(Date.parse(value)) && new RegExp(DATE_START).test(value);
}
