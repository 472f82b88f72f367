import { Injectable } from '@nestjs/common';
import { DirectoryRepository } from '@resolve/persistence';
import type { LodgeableRecordKind, RecordKind } from '@resolve/protocols';
import { type Caller } from '../auth/caller';
import { NeedToKnow } from '../auth/need-to-know';
import { ApiError, notFound } from '../common/api-error';
import { CaseRecordsReader } from './case-records.reader';
import type { Period } from './period';
import type { CaseRecord } from './model/case-record';
import { caseDocumentFileName, PDF_TITLES } from './pdf/pdf-options';
import { PdfPrinter } from './pdf/pdf-printer';
import { buildDecisionRecord, decisionNotYet, renderDecisionRecordHtml } from './render/decision-record';
import {
  buildMonitoringForm,
  monitoringFormNotYet,
  renderMonitoringFormHtml,
} from './render/monitoring-form';
import { buildOutcomeRecord, outcomeRecordNotYet, renderOutcomeRecordHtml } from './render/outcome-record';
import { buildPartnershipReport, renderPartnershipReportHtml } from './render/partnership-report';
import { buildReferralForm, renderReferralFormHtml } from './render/referral-form';
import {
  buildAgencyLog,
  buildSummaryLogEntry,
  renderAgencyLogCsv,
  renderAgencyLogHtml,
  renderSummaryLogEntryHtml,
  type AgencyLog,
} from './render/summary-log';

/** The partnership roles that read partnership-wide logs and reports. */
export const BOARD_ROLES = ['business-manager', 'independent-chair', 'quality-assurance-manager'] as const;

export const CASE_DOCUMENTS = [
  'referral-form',
  'summary-log',
  'report-to-partnership',
  'monitoring-form',
  'decision',
  'outcome',
] as const;
export type CaseDocumentKind = (typeof CASE_DOCUMENTS)[number];

/** What each case document needs from the record and how it is built. */
const DOCUMENTS: Record<
  CaseDocumentKind,
  {
    withSubject: boolean;
    /**
     * The record the case's protocol must list for this document to be its form: another
     * partnership's form is not this case's (Sutton's Appendix B is no Sefton document).
     * Omitted: every protocol's (the decision record).
     */
    listedAs?: { kind: RecordKind; title: string };
    /** Instead of a listed record: whether the protocol has this document at all. */
    inProtocol?: { has: (protocol: DocumentProtocol) => boolean; title: string };
    notYet?: (c: CaseRecord) => string | null;
    json: (c: CaseRecord, at: string) => object;
    html: (c: CaseRecord, at: string) => string;
  }
> = {
  'referral-form': {
    withSubject: true,
    listedAs: { kind: 'referral-form', title: 'escalation referral form' },
    json: buildReferralForm,
    html: (c, at) => renderReferralFormHtml(buildReferralForm(c, at)),
  },
  'summary-log': {
    withSubject: true,
    listedAs: { kind: 'log-entry', title: 'agency escalation summary log' },
    json: buildSummaryLogEntry,
    html: (c, at) => renderSummaryLogEntryHtml(buildSummaryLogEntry(c, at)),
  },
  'report-to-partnership': {
    withSubject: true,
    listedAs: { kind: 'report', title: 'report to the partnership' },
    json: buildPartnershipReport,
    html: (c, at) => renderPartnershipReportHtml(buildPartnershipReport(c, at)),
  },
  'monitoring-form': {
    withSubject: true,
    listedAs: { kind: 'monitoring-form', title: 'monitoring form' },
    notYet: monitoringFormNotYet,
    json: buildMonitoringForm,
    html: (c, at) => renderMonitoringFormHtml(buildMonitoringForm(c, at)),
  },
  decision: {
    withSubject: false,
    notYet: decisionNotYet,
    json: buildDecisionRecord,
    html: (c, at) => renderDecisionRecordHtml(buildDecisionRecord(c, at)),
  },
  outcome: {
    withSubject: false,
    // Only a protocol that names closing outcomes closes a case with one.
    inProtocol: {
      has: (p) => (p.closingOutcomes ?? []).length > 0,
      title: 'named closing outcomes, so no outcome record',
    },
    notYet: outcomeRecordNotYet,
    json: buildOutcomeRecord,
    html: (c, at) => renderOutcomeRecordHtml(buildOutcomeRecord(c, at)),
  },
};

/** The case document each lodgeable record kind is generated as (docs/records-and-reports.md, "Lodged forms"). */
export const LODGED_DOCUMENTS: Record<LodgeableRecordKind, CaseDocumentKind> = {
  'log-entry': 'summary-log',
  report: 'report-to-partnership',
  'monitoring-form': 'monitoring-form',
  'referral-form': 'referral-form',
  decision: 'decision',
};

/**
 * One case document generated from a record, for lodging: its JSON and its HTML from the same
 * instant, or why the record does not have it yet (a decision record before any decision).
 */
export function generateCaseDocument(
  kind: CaseDocumentKind,
  record: CaseRecord,
  at: string,
): { json: object; html: string } | { notYet: string } {
  const doc = DOCUMENTS[kind];
  const why = doc.notYet?.(record);
  if (why) return { notYet: why };
  return { json: doc.json(record, at), html: doc.html(record, at) };
}

/** Whether a case document carries the subject (the child's or adult's details). */
export function documentNeedsSubject(kind: CaseDocumentKind): boolean {
  return DOCUMENTS[kind].withSubject;
}

/** What decides which documents a protocol has. */
type DocumentProtocol = {
  tiers: { records: { kind: RecordKind }[] }[];
  closingOutcomes?: readonly unknown[];
};

/** The case documents a protocol has: its own forms and the decision record (for the web's links). */
export function caseDocumentsOf(protocol: DocumentProtocol): CaseDocumentKind[] {
  const listed = new Set(protocol.tiers.flatMap((t) => t.records.map((r) => r.kind)));
  return CASE_DOCUMENTS.filter((kind) => {
    const { listedAs, inProtocol } = DOCUMENTS[kind];
    if (inProtocol) return inProtocol.has(protocol);
    return !listedAs || listed.has(listedAs.kind);
  });
}

@Injectable()
export class RecordsService {
  constructor(
    private readonly directory: DirectoryRepository,
    private readonly cases: CaseRecordsReader,
    private readonly needToKnow: NeedToKnow,
    private readonly printer: PdfPrinter,
  ) {}

  /** The case record if the caller may see the case (the rule of GET /escalations/:id); otherwise 404. */
  async visibleCase(caller: Caller, id: string, withSubject: boolean): Promise<CaseRecord> {
    const row = await this.cases.row(id);
    if (!row || !(await this.needToKnow.mayRead(caller, row))) throw notFound(`escalation ${id}`);
    const [record] = await this.cases.load([row], { withSubject });
    if (!record)
      throw new ApiError(
        'conflict',
        `escalation ${row.reference} runs protocol ${row.protocolId}, which this server no longer knows`,
        { reason: 'unknown-protocol' },
      );
    return record;
  }

  async caseDocument(
    caller: Caller,
    id: string,
    kind: CaseDocumentKind,
    format: 'json' | 'html',
  ): Promise<{ reference: string; body: object | string }> {
    const doc = DOCUMENTS[kind];
    const record = await this.visibleCase(caller, id, doc.withSubject);
    const listedAs = doc.listedAs;
    if (listedAs && !caseDocumentsOf(record.protocol).includes(kind)) {
      throw new ApiError(
        'not-found',
        `escalation ${record.reference} runs ${record.protocol.title} (${record.protocol.id}), which has no ${listedAs.title}: that form belongs to another partnership's protocol`,
        { reason: `${kind}-not-in-protocol` },
      );
    }
    if (doc.inProtocol && !doc.inProtocol.has(record.protocol)) {
      throw new ApiError(
        'not-found',
        `escalation ${record.reference} runs ${record.protocol.title} (${record.protocol.id} v${record.protocol.version}), which has no ${doc.inProtocol.title}`,
        { reason: `${kind}-not-in-protocol` },
      );
    }
    const why = doc.notYet?.(record);
    if (why) throw new ApiError('conflict', why, { reason: `${kind}-not-available` });
    const at = new Date().toISOString();
    return {
      reference: record.reference,
      body: format === 'html' ? doc.html(record, at) : doc.json(record, at),
    };
  }

  /**
   * A case document's print-ready HTML printed to PDF, for the API's `.pdf` routes and the web's
   * links alike: the same need-to-know and availability as the HTML, checked before printing.
   */
  async caseDocumentPdf(
    caller: Caller,
    id: string,
    kind: CaseDocumentKind,
  ): Promise<{ fileName: string; pdf: Buffer }> {
    const doc = await this.caseDocument(caller, id, kind, 'html');
    const pdf = await this.printer.print({ html: doc.body as string, title: PDF_TITLES[kind] });
    return { fileName: caseDocumentFileName(id, kind), pdf };
  }

  /**
   * The Agency Escalation Summary Log of one agency: for its managers (any role there above
   * practitioner) and the partnership's board roles. Outside the partnership the agency is not found.
   */
  async agencyLog(caller: Caller, agencyId: string, period: Period): Promise<AgencyLog> {
    const agency = await this.directory.agency(agencyId);
    const inAgency = caller.agencyRoles.filter((r) => r.agencyId === agencyId);
    if (!agency || (caller.partnershipId !== agency.partnershipId && inAgency.length === 0))
      throw notFound(`agency ${agencyId}`);
    const manager = inAgency.some((r) => r.role !== 'practitioner');
    const board =
      caller.partnershipId === agency.partnershipId &&
      caller.partnershipRoles.some((r) => (BOARD_ROLES as readonly string[]).includes(r));
    if (!manager && !board) {
      throw new ApiError(
        'forbidden',
        `the escalation log of ${agency.name} is for its managers and the partnership's business manager, independent chair and quality assurance manager`,
      );
    }
    const rows = await this.cases.forAgency(agencyId, period);
    const records = await this.cases.load(rows, { withSubject: false });
    const partnership = await this.directory.partnership(agency.partnershipId);
    return buildAgencyLog(
      { id: agency.id, name: agency.name },
      partnership ?? { id: agency.partnershipId, name: agency.partnershipId },
      records,
      period,
      new Date().toISOString(),
    );
  }

  agencyLogCsv(log: AgencyLog): string {
    return renderAgencyLogCsv(log);
  }

  agencyLogHtml(log: AgencyLog): string {
    return renderAgencyLogHtml(log);
  }
}
