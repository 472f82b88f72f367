import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import {
  EscalationsRepository,
  LodgementsRepository,
  type Lodgement,
  type LodgementSummary,
} from '@resolve/persistence';
import type { Caller } from '../../auth/caller';
import { NeedToKnow } from '../../auth/need-to-know';
import { notFound } from '../../common/api-error';
import { PDF_TITLES } from '../pdf/pdf-options';
import { PdfPrinter } from '../pdf/pdf-printer';
import type { CaseDocumentKind } from '../records.service';

/** A lodgement as the API shows it: what, when, with whom, the hash; the form on its own routes. */
export function lodgementView(l: LodgementSummary) {
  return {
    id: l.id,
    escalationId: l.escalationId,
    title: l.title,
    document: l.document,
    recordKind: l.recordKind,
    moment: l.moment,
    tier: { number: l.tierNumber, key: l.tierKey },
    protocol: { id: l.protocolId, version: l.protocolVersion },
    lodgedWith: l.recipientPartnershipRole
      ? { partnershipRole: l.recipientPartnershipRole }
      : { agencyRole: l.recipientAgencyRole, in: 'each party agency' },
    momentAt: l.momentAt,
    lodgedAt: l.lodgedAt,
    contentHash: l.contentHash,
    noticeStartedAt: l.noticeStartedAt,
  };
}

/**
 * Who opens a lodged form (docs/records-and-reports.md, "Lodged forms"): the holders of the role
 * it was lodged with (a partnership role in the case's partnership; an agency role in either
 * agency of the case), and those who may read the case itself. Anyone else is told it does not
 * exist, as for a case.
 */
@Injectable()
export class LodgementsService {
  private readonly lodgements: LodgementsRepository;

  constructor(
    dataSource: DataSource,
    private readonly escalations: EscalationsRepository,
    private readonly needToKnow: NeedToKnow,
    private readonly printer: PdfPrinter,
  ) {
    this.lodgements = new LodgementsRepository(dataSource);
  }

  private async mayOpen(caller: Caller, l: LodgementSummary): Promise<boolean> {
    if (l.recipientPartnershipRole) {
      const role = l.recipientPartnershipRole;
      if (caller.partnershipId === l.partnershipId && (caller.partnershipRoles as string[]).includes(role))
        return true;
    }
    const row = await this.escalations.findById(l.escalationId);
    if (!row) return false;
    if (
      l.recipientAgencyRole &&
      caller.agencyRoles.some(
        (r) =>
          r.role === l.recipientAgencyRole &&
          (r.agencyId === row.raisingAgencyId || r.agencyId === row.receivingAgencyId),
      )
    )
      return true;
    return this.needToKnow.mayRead(caller, row);
  }

  /** One lodgement with its form, when the caller may open it; otherwise 404. */
  async open(caller: Caller, escalationId: string, lodgementId: string): Promise<Lodgement> {
    const l = await this.lodgements.findById(lodgementId);
    if (!l || l.escalationId !== escalationId || !(await this.mayOpen(caller, l)))
      throw notFound(`lodgement ${lodgementId}`);
    return l;
  }

  /** The same, found by the lodgement's id alone (the web's link in the notice). */
  async openById(caller: Caller, lodgementId: string): Promise<Lodgement> {
    const l = await this.lodgements.findById(lodgementId);
    if (!l || !(await this.mayOpen(caller, l))) throw notFound(`lodgement ${lodgementId}`);
    return l;
  }

  /** A case's lodgements that the caller may open (all of them for those who see the case). */
  async ofCase(caller: Caller, escalationId: string) {
    const all = await this.lodgements.forEscalation(escalationId);
    const row = await this.escalations.findById(escalationId);
    const readsCase = row ? await this.needToKnow.mayRead(caller, row) : false;
    const visible = [];
    for (const l of all) if (readsCase || (await this.mayOpen(caller, l))) visible.push(l);
    if (!readsCase && visible.length === 0) throw notFound(`escalation ${escalationId}`);
    return { lodgements: visible.map(lodgementView) };
  }

  /** The forms lodged with the partnership roles the caller holds: an informed-only mailbox's list. */
  async mine(caller: Caller) {
    const list = await this.lodgements.forPartnershipRoles(caller.partnershipId, caller.partnershipRoles);
    return { lodgements: list.map(lodgementView) };
  }

  /** The lodged HTML printed to PDF: the form exactly as lodged, on paper. */
  async pdf(l: Lodgement): Promise<{ fileName: string; pdf: Buffer }> {
    const title = PDF_TITLES[l.document as CaseDocumentKind] ?? 'Lodged form';
    const pdf = await this.printer.print({ html: l.formHtml, title });
    return { fileName: `lodgement-${l.id}-${l.document}.pdf`, pdf };
  }
}
