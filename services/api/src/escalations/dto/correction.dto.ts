import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length, Matches } from 'class-validator';

/** A correction: a new entry naming the one it puts right; the original is never changed. */
export class CorrectionDto {
  @ApiProperty({
    description:
      "The id of the action record corrected (a note, a response, ...), or 'subject' for the child's or adult's details",
  })
  @IsString()
  @Matches(/^(subject|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$/, {
    message: "corrects: the id of an entry on this case's record, or 'subject'",
  })
  corrects!: string;

  @ApiProperty({ description: 'What the entry should have said (kept in Postgres only)' })
  @IsString()
  @Length(1, 10_000)
  text!: string;

  @ApiProperty({ description: 'Why it is corrected (kept in Postgres only)' })
  @IsString()
  @Length(1, 2_000)
  reason!: string;
}
