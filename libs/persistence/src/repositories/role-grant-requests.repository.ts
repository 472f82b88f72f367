import type { DataSource } from 'typeorm';
import { RoleGrantRequestEntity } from '../entities/role-grant-request.entities';
import { DirectoryRepository } from './directory.repository';

export type RoleGrantRequestRow = RoleGrantRequestEntity;

export type NewRoleGrantRequest = Pick<
  RoleGrantRequestEntity,
  'partnershipId' | 'personId' | 'agencyId' | 'role' | 'subGroup' | 'requestedBy'
>;

export type ApprovalOutcome =
  | { kind: 'approved'; request: RoleGrantRequestRow; grantedRoleId: string }
  /** The person came to hold the role another way meanwhile: the request is closed, declined. */
  | { kind: 'already-held'; request: RoleGrantRequestRow }
  | { kind: 'not-pending'; request: RoleGrantRequestRow | null };

/**
 * Role grants waiting for a second administrator. Approving one creates the role in the same
 * transaction that closes the request, so a role never exists without the approval that let it
 * in, and two administrators approving at once grant it once.
 */
export class RoleGrantRequestsRepository {
  constructor(private readonly db: DataSource) {}

  private get rows() {
    return this.db.getRepository(RoleGrantRequestEntity);
  }

  /** The new request, or null when the same grant is already waiting. */
  async request(r: NewRoleGrantRequest): Promise<RoleGrantRequestRow | null> {
    const result = await this.rows
      .createQueryBuilder()
      .insert()
      .values({ ...r, scope: r.agencyId ?? r.partnershipId })
      .orIgnore()
      .returning('id')
      .execute();
    const id = (result.raw as { id: string }[])[0]?.id;
    return id ? this.find(id) : null;
  }

  find(id: string): Promise<RoleGrantRequestRow | null> {
    return this.rows.findOneBy({ id });
  }

  pending(partnershipId: string): Promise<RoleGrantRequestRow[]> {
    return this.rows.find({ where: { partnershipId, status: 'pending' }, order: { requestedAt: 'ASC' } });
  }

  async approve(id: string, decidedBy: string): Promise<ApprovalOutcome> {
    return this.db.transaction(async (tx) => {
      const requests = tx.getRepository(RoleGrantRequestEntity);
      const request = await requests.findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!request || request.status !== 'pending') return { kind: 'not-pending', request };
      const directory = new DirectoryRepository(tx);
      const grantedRoleId = request.agencyId
        ? await directory.addAgencyRole({
            personId: request.personId,
            agencyId: request.agencyId,
            role: request.role,
          })
        : await directory.addPartnershipRole({
            personId: request.personId,
            partnershipId: request.partnershipId,
            role: request.role,
            subGroup: request.subGroup,
          });
      const decided = { decidedBy, decidedAt: new Date() };
      if (!grantedRoleId) {
        await requests.update({ id }, { status: 'declined', ...decided });
        return { kind: 'already-held', request: { ...request, status: 'declined', ...decided } };
      }
      await requests.update({ id }, { status: 'approved', grantedRoleId, ...decided });
      return {
        kind: 'approved',
        request: { ...request, status: 'approved', grantedRoleId, ...decided },
        grantedRoleId,
      };
    });
  }

  /** The declined request, or null when it was not pending. */
  async decline(id: string, decidedBy: string): Promise<RoleGrantRequestRow | null> {
    const result = await this.rows
      .createQueryBuilder()
      .update()
      .set({ status: 'declined', decidedBy, decidedAt: () => 'now()' })
      .where('id = :id AND status = :pending', { id, pending: 'pending' })
      .execute();
    return result.affected ? this.find(id) : null;
  }
}
