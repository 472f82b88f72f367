import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsEmail,
  IsIn,
  IsOptional,
  IsString,
  Length,
  Matches,
  ValidateIf,
} from 'class-validator';
import { AGENCY_ADMINISTRATION_ROLES, AGENCY_ROLES, PARTNERSHIP_ROLES } from '@resolve/protocols';

const ID = /^[a-z0-9]+(-[a-z0-9]+)*$/;
const ID_MESSAGE = 'must be lower-case words joined by hyphens, e.g. "sefton-police"';

export class CreateAgencyDto {
  @ApiProperty({ example: 'sefton-police' })
  @Matches(ID, { message: `id ${ID_MESSAGE}` })
  @Length(2, 100)
  id!: string;

  @ApiProperty({ example: 'Merseyside Police' })
  @IsString()
  @Length(1, 200)
  name!: string;

  @ApiProperty({
    enum: [
      'children-social-care',
      'adult-social-care',
      'police',
      'health',
      'school',
      'probation',
      'housing',
      'voluntary-sector',
      'other',
    ],
  })
  @IsIn([
    'children-social-care',
    'adult-social-care',
    'police',
    'health',
    'school',
    'probation',
    'housing',
    'voluntary-sector',
    'other',
  ])
  kind!: string;
}

export class CreatePersonDto {
  @ApiProperty({ example: 'sefton-police-dci-jones' })
  @Matches(ID, { message: `id ${ID_MESSAGE}` })
  @Length(2, 100)
  id!: string;

  @ApiProperty()
  @IsString()
  @Length(1, 200)
  displayName!: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsEmail({}, { message: 'email must be an email address' })
  email?: string;

  @ApiPropertyOptional({ example: '+447700900123' })
  @IsOptional()
  @Matches(/^\+44\d{9,10}$/, {
    message: 'phone must be a UK number in international form, e.g. +447700900123',
  })
  phone?: string;

  @ApiProperty({ enum: ['email', 'sms'], isArray: true })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(2)
  @IsIn(['email', 'sms'], { each: true })
  channels!: ('email' | 'sms')[];

  @ApiPropertyOptional({ description: 'Accept SMS outside working hours for non-urgent events' })
  @IsOptional()
  @IsBoolean()
  smsOutOfHours?: boolean;

  @ApiProperty({ description: "Subject claim of the person's identity-provider token" })
  @IsString()
  @Length(1, 200)
  identitySubject!: string;
}

export class UpdatePersonDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Length(1, 200)
  displayName?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsEmail({}, { message: 'email must be an email address' })
  email?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @Matches(/^\+44\d{9,10}$/, {
    message: 'phone must be a UK number in international form, e.g. +447700900123',
  })
  phone?: string;

  @ApiPropertyOptional({ enum: ['email', 'sms'], isArray: true })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(2)
  @IsIn(['email', 'sms'], { each: true })
  channels?: ('email' | 'sms')[];

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  smsOutOfHours?: boolean;
}

export class LineManagerDto {
  @ApiProperty({
    type: String,
    nullable: true,
    description: "The person's line manager (a person id), or null to clear it",
  })
  // null clears the relation; absent is a mistake, not "no change".
  @ValidateIf((o: LineManagerDto) => o.lineManagerId !== null)
  @IsString({ message: 'lineManagerId must be a person id, or null to clear it' })
  @Length(1, 200)
  lineManagerId!: string | null;
}

export class AgencyRoleDto {
  @ApiProperty()
  @IsString()
  @Length(1, 100)
  agencyId!: string;

  @ApiProperty({ enum: [...AGENCY_ROLES, ...AGENCY_ADMINISTRATION_ROLES] })
  @IsIn([...AGENCY_ROLES, ...AGENCY_ADMINISTRATION_ROLES])
  role!: string;
}

export class PartnershipRoleDto {
  @ApiProperty({ enum: PARTNERSHIP_ROLES })
  @IsIn(PARTNERSHIP_ROLES as unknown as string[])
  role!: string;

  @ApiPropertyOptional({ description: 'For sub-group chairs, e.g. "PPET"' })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  subGroup?: string;
}

export class DemoProtocolDto {
  @ApiProperty({
    description:
      'Whether the partnership may raise cases under the two-minute demonstration protocol (off for real partnerships)',
  })
  @IsBoolean({ message: 'enabled must be true or false' })
  enabled!: boolean;
}
