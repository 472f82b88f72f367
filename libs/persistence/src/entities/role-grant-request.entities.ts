import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

export type RoleGrantRequestStatus = 'pending' | 'approved' | 'declined';

/**
 * A role one partnership administrator asked to give, waiting for a second administrator. One
 * administrator alone could give a case-seeing role to an account they control under another
 * login; two people must agree before anyone is let into cases (the four-eyes rule).
 */
@Entity({ name: 'role_grant_request' })
@Index('role_grant_request_one_pending', ['personId', 'scope', 'role'], {
  unique: true,
  where: "status = 'pending'",
})
export class RoleGrantRequestEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'text', name: 'partnership_id' })
  partnershipId!: string;

  /** The person who would hold the role. */
  @Column({ type: 'text', name: 'person_id' })
  personId!: string;

  /** The agency of an agency role; the partnership's id for a partnership role. */
  @Column({ type: 'text' })
  scope!: string;

  @Column({ type: 'text', name: 'agency_id', nullable: true })
  agencyId!: string | null;

  @Column({ type: 'text' })
  role!: string;

  @Column({ type: 'text', name: 'sub_group', nullable: true })
  subGroup!: string | null;

  @Column({ type: 'text', name: 'requested_by' })
  requestedBy!: string;

  @CreateDateColumn({ type: 'timestamptz', name: 'requested_at' })
  requestedAt!: Date;

  @Column({ type: 'text', default: 'pending' })
  status!: RoleGrantRequestStatus;

  @Column({ type: 'text', name: 'decided_by', nullable: true })
  decidedBy!: string | null;

  @Column({ type: 'timestamptz', name: 'decided_at', nullable: true })
  decidedAt!: Date | null;

  /** The role row an approval created. */
  @Column({ type: 'uuid', name: 'granted_role_id', nullable: true })
  grantedRoleId!: string | null;
}
