import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Caller } from '../auth/caller';
import { ApiError, notFound } from '../common/api-error';
import { CaseRecordsRepository } from '../records/case-records.repository';
import { BOARD_ROLES } from '../records/records.service';
import { buildDisputesReport, type DisputesReport } from '../records/render/disputes-report';

@Injectable()
export class ReportsService {
  constructor(
    private readonly ds: DataSource,
    private readonly cases: CaseRecordsRepository,
  ) {}

  /**
   * The annual report of disputes and panel findings for one partnership and period, for its
   * board roles. Other partnerships' people get 404 (they do not learn which partnerships exist
   * here); the partnership's other people get 403.
   */
  async disputes(
    caller: Caller,
    partnershipId: string,
    period: { from: string; to: string },
  ): Promise<DisputesReport> {
    const [partnership] = (await this.ds.query(`SELECT id, name FROM partnership WHERE id = $1`, [
      partnershipId,
    ])) as { id: string; name: string }[];
    if (!partnership || caller.partnershipId !== partnership.id)
      throw notFound(`partnership ${partnershipId}`);
    if (!caller.partnershipRoles.some((r) => (BOARD_ROLES as readonly string[]).includes(r))) {
      throw new ApiError(
        'forbidden',
        `the disputes report of ${partnership.name} is for its business manager, independent chair and quality assurance manager`,
      );
    }
    // Every case that counts somewhere: raised in the period, closed in it, or open at its end.
    const rows = await this.cases.rows(
      `partnership_id = $1 AND raised_at < $3 AND (raised_at >= $2 OR closed_at IS NULL OR closed_at >= $2)`,
      [partnership.id, period.from, period.to],
    );
    const cases = await this.cases.load(rows, { withSubject: false });
    return buildDisputesReport({ partnership, period, cases, generatedAt: new Date().toISOString() });
  }
}
