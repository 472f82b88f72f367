import { In, type DataSource, type EntityManager } from 'typeorm';
import { EscalationSubjectEntity } from '../entities/escalation.entities';

/**
 * `escalation_subject`: the child's or adult's details and the case's prose, one row per case.
 * Postgres only: nothing here ever reaches Temporal or a log.
 */
export class SubjectsRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly boundManager?: EntityManager,
  ) {}

  withManager(manager: EntityManager): SubjectsRepository {
    return new SubjectsRepository(this.dataSource, manager);
  }

  private get subjects() {
    return (this.boundManager ?? this.dataSource.manager).getRepository(EscalationSubjectEntity);
  }

  async insert(subject: EscalationSubjectEntity): Promise<void> {
    await this.subjects.insert(subject);
  }

  /** The subjects of these cases (a case without one is absent). */
  forEscalations(escalationIds: string[]): Promise<EscalationSubjectEntity[]> {
    if (escalationIds.length === 0) return Promise.resolve([]);
    return this.subjects.findBy({ escalationId: In(escalationIds) });
  }
}
