import { Injectable } from '@nestjs/common';
import { DirectoryRepository } from '@resolve/persistence';
import type { Caller } from '../auth/caller';
import { ApiError, notFound } from '../common/api-error';
import { CaseRecordsReader } from '../records/case-records.reader';
import { BOARD_ROLES } from '../records/records.service';
import { buildDisputesReport, type DisputesReport } from '../records/render/disputes-report';

@Injectable()
export class ReportsService {
  constructor(
    private readonly directory: DirectoryRepository,
    private readonly cases: CaseRecordsReader,
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
    const partnership = await this.directory.partnership(partnershipId);
    if (!partnership || caller.partnershipId !== partnership.id)
      throw notFound(`partnership ${partnershipId}`);
    if (!caller.partnershipRoles.some((r) => (BOARD_ROLES as readonly string[]).includes(r))) {
      throw new ApiError(
        'forbidden',
        `the disputes report of ${partnership.name} is for its business manager, independent chair and quality assurance manager`,
      );
    }
    // Every case that counts somewhere: raised in the period, closed in it, or open at its end.
    const rows = await this.cases.forPartnershipPeriod(partnership.id, period);
    const cases = await this.cases.load(rows, { withSubject: false });
    return buildDisputesReport({ partnership, period, cases, generatedAt: new Date().toISOString() });
  }
}
