import { ApiProperty } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsIn, IsString, MaxLength } from 'class-validator';
import { WEBHOOK_EVENT_TYPES } from '@resolve/persistence';

export class RegisterWebhookEndpointDto {
  @ApiProperty({
    example: 'https://case-system.sefton-police.example/resolve-events',
    description: 'https:// (http:// only outside RESOLVE_ENV=production, or to localhost)',
    // Written here: openapi-constraints.ts reads only the directory's and escalations' DTOs.
    maxLength: 2000,
  })
  @IsString()
  @MaxLength(2000)
  url!: string;

  @ApiProperty({
    enum: WEBHOOK_EVENT_TYPES,
    isArray: true,
    example: ['raised', 'tier-entered'],
    minItems: 1,
    maxItems: WEBHOOK_EVENT_TYPES.length,
    uniqueItems: true,
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(WEBHOOK_EVENT_TYPES.length)
  @ArrayUnique()
  @IsIn(WEBHOOK_EVENT_TYPES, {
    each: true,
    message: `eventTypes: each must be one of ${WEBHOOK_EVENT_TYPES.join(', ')}`,
  })
  eventTypes!: string[];
}
