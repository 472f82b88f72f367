import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';

/** A safeguarding partnership (e.g. Sefton SSCP): owns agencies, people and protocols in use. */
@Entity({ name: 'partnership' })
export class PartnershipEntity {
  @PrimaryColumn({ type: 'text' })
  id!: string;

  @Column({ type: 'text' })
  name!: string;

  /** Minimum case detail an email may carry, per partnership (notifier). */
  @Column({ type: 'text', name: 'email_detail', default: 'reference-only' })
  emailDetail!: 'reference-only' | 'reference-and-category';

  /** May raise cases under the `demo` protocol (two-minute steps); off unless enabled. */
  @Column({ type: 'boolean', name: 'demo_protocol_enabled', default: false })
  demoProtocolEnabled!: boolean;

  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  createdAt!: Date;
}

@Entity({ name: 'agency' })
export class AgencyEntity {
  @PrimaryColumn({ type: 'text' })
  id!: string;

  @Column({ type: 'text', name: 'partnership_id' })
  partnershipId!: string;

  @Column({ type: 'text' })
  name!: string;

  /** children-social-care, police, health, school, probation, adult-social-care ... */
  @Column({ type: 'text' })
  kind!: string;
}

/** A professional. Contact details live here, in Postgres, and nowhere else. */
@Entity({ name: 'person' })
export class PersonEntity {
  @PrimaryColumn({ type: 'text' })
  id!: string;

  @Column({ type: 'text', name: 'partnership_id' })
  partnershipId!: string;

  @Column({ type: 'text', name: 'display_name' })
  displayName!: string;

  @Column({ type: 'text', nullable: true })
  email!: string | null;

  @Column({ type: 'text', nullable: true })
  phone!: string | null;

  /** Channels this person wants, in order of preference. */
  @Column({ type: 'text', array: true, default: () => "'{email}'" })
  channels!: ('email' | 'sms')[];

  /** SMS outside working hours only for immediate risk, unless the person opts in. */
  @Column({ type: 'boolean', name: 'sms_out_of_hours', default: false })
  smsOutOfHours!: boolean;

  /** Their line manager ("their line manager" at step 2 of Sefton and Lincolnshire), if recorded. */
  @Column({ type: 'text', name: 'line_manager_id', nullable: true })
  lineManagerId!: string | null;

  /** Subject claim of the person's identity-provider token. */
  @Index({ unique: true })
  @Column({ type: 'text', name: 'identity_subject' })
  identitySubject!: string;
}

/** A role a person holds in an agency (practitioner, line manager, head of service...). */
@Entity({ name: 'agency_role' })
@Index(['agencyId', 'role', 'personId'], { unique: true })
export class AgencyRoleEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'text', name: 'person_id' })
  personId!: string;

  @Column({ type: 'text', name: 'agency_id' })
  agencyId!: string;

  @Column({ type: 'text' })
  role!: string;
}

/** A role a person holds for the partnership (independent chair, business manager...). */
@Entity({ name: 'partnership_role' })
@Index(['partnershipId', 'role', 'personId'], { unique: true })
export class PartnershipRoleEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'text', name: 'person_id' })
  personId!: string;

  @Column({ type: 'text', name: 'partnership_id' })
  partnershipId!: string;

  @Column({ type: 'text' })
  role!: string;

  /** For sub-group chairs: which sub-group (e.g. "PPET"). */
  @Column({ type: 'text', name: 'sub_group', nullable: true })
  subGroup!: string | null;
}
