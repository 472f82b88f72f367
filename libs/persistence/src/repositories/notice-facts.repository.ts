import { In, type DataSource } from 'typeorm';
import { AgencyEntity } from '../entities/directory.entities';
import { EscalationEntity } from '../entities/escalation.entities';

/**
 * The workflow's latest projection of a case, as the notifier reads it to say what a notice is
 * about (the tier's deadline and its explanation, the meeting, the proposed plan). Ids and facts
 * only: the projection never holds the child's or adult's details.
 */
export type ProjectedCase = Pick<EscalationEntity, 'id' | 'state' | 'stateSeq' | 'status' | 'closedAt'>;

export type AgencyName = Pick<AgencyEntity, 'id' | 'name'>;

/** What the notifier reads besides the routing facts (DirectoryRepository.escalationRouting). */
export class NoticeFactsRepository {
  constructor(private readonly db: DataSource) {}

  /** The projected state of one escalation; null when there is no such row. */
  async projectedCase(escalationId: string): Promise<ProjectedCase | null> {
    return this.db.getRepository(EscalationEntity).findOne({
      select: { id: true, state: true, stateSeq: true, status: true, closedAt: true },
      where: { id: escalationId },
    });
  }

  /** The names of agencies (the two sides of a case), to say whose move it is. */
  async agencyNames(agencyIds: string[]): Promise<AgencyName[]> {
    if (agencyIds.length === 0) return [];
    return this.db.getRepository(AgencyEntity).find({
      select: { id: true, name: true },
      where: { id: In([...new Set(agencyIds)]) },
    });
  }
}
