import { In, type DataSource, type EntityManager } from 'typeorm';
import { CASE_CONTENT_AUDIT, subjectHash } from '../audit-chain';
import { EscalationSubjectEntity } from '../entities/escalation.entities';
import { AuditRepository, type CaseContentAuditContext } from './audit.repository';

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

  /** Runs `work` in the caller's transaction when bound to one, else in a new one. */
  private transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.boundManager ? work(this.boundManager) : this.dataSource.transaction(work);
  }

  /**
   * Writes the subject with the audit row that fingerprints it, in one transaction (issue 13:
   * the subject is chained like the rest of the case record, without being copied into the trail).
   */
  async insert(
    subject: EscalationSubjectEntity,
    context: Omit<CaseContentAuditContext, 'requestId'> & { requestId?: string | null } = {},
  ): Promise<void> {
    await this.transaction(async (manager) => {
      const subjects = manager.getRepository(EscalationSubjectEntity);
      await subjects.insert(subject);
      // Read back: the fingerprint is of what Postgres keeps (jsonb as stored), as the check reads it.
      const stored = await subjects.findOneByOrFail({ escalationId: subject.escalationId });
      await new AuditRepository(manager).recordCaseContent(
        CASE_CONTENT_AUDIT.subject,
        subject.escalationId,
        { contentHash: subjectHash(stored) },
        { ...context, requestId: context.requestId ?? `record:subject:${subject.escalationId}` },
      );
    });
  }

  /** The subjects of these cases (a case without one is absent). */
  forEscalations(escalationIds: string[]): Promise<EscalationSubjectEntity[]> {
    if (escalationIds.length === 0) return Promise.resolve([]);
    return this.subjects.findBy({ escalationId: In(escalationIds) });
  }
}
