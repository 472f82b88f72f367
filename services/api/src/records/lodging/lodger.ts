import { createHash } from 'node:crypto';
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import {
  LODGEMENT_NOTICE_WORKFLOW_TYPE,
  lodgementNoticeWorkflowId,
  TASK_QUEUES,
  type NotifyRequest,
} from '@resolve/contracts';
import type { Audience } from '@resolve/domain';
import {
  EscalationsRepository,
  LodgementsRepository,
  TimelineEventsRepository,
  type LodgementSummary,
  type PendingLodgementMoment,
} from '@resolve/persistence';
import {
  getProtocolVersion,
  lodgementsAt,
  lodgesAnything,
  type AgencyRole,
  type LodgementDue,
  type PartnershipRole,
  type Protocol,
} from '@resolve/protocols';
import { DataSource } from 'typeorm';
import { logger } from '../../common/logger';
import { TEMPORAL_CLIENT } from '../../escalations/escalation-workflow.gateway';
import { CaseRecordsReader } from '../case-records.reader';
import { recordAsOf } from '../model/record-as-of';
import { documentNeedsSubject, generateCaseDocument, LODGED_DOCUMENTS } from '../records.service';

/** Injection token: how often the lodger looks for moments and notices (default 2 s). */
export const LODGER_INTERVAL_MS = Symbol('LODGER_INTERVAL_MS');

/** The hash kept with a lodged form: SHA-256 of its HTML, the document the recipient opens. */
export function contentHashOf(html: string): string {
  return `sha256:${createHash('sha256').update(html, 'utf8').digest('hex')}`;
}

/** Who is told of a lodgement: the holders of its recipient role (never the case's parties). */
export function lodgementAudience(
  l: Pick<LodgementSummary, 'recipientPartnershipRole' | 'recipientAgencyRole'>,
): Audience {
  return l.recipientPartnershipRole
    ? {
        parties: false,
        agencyRoles: [],
        sides: [],
        partnershipRoles: [l.recipientPartnershipRole as PartnershipRole],
      }
    : {
        parties: false,
        agencyRoles: [l.recipientAgencyRole as AgencyRole],
        sides: ['raising', 'receiving'],
        partnershipRoles: [],
      };
}

/** The protocol's name for the form, from the tier that lists it. */
function formTitle(protocol: Protocol, due: LodgementDue): string {
  const tier = protocol.tiers.find((t) => t.key === due.tierKey);
  const listed = tier?.records.find((r) => r.kind === due.recordKind);
  if (listed) return listed.ref ? `${listed.title} (${listed.ref})` : listed.title;
  return due.recordKind === 'log-entry' ? 'Agency Escalation Summary Log entry' : due.recordKind;
}

/**
 * Lodges the protocol's forms with their recipients (docs/records-and-reports.md, "Lodged
 * forms"). The projection queues a moment (a tier entered, the case closed) in the transaction
 * that stores the timeline entry; every few seconds this takes each moment in: the pinned
 * protocol says which forms are due then (`lodgementsAt`), each is generated from the case record
 * as it stood at that entry (`recordAsOf`) and kept with its hash under a key unique in the case,
 * so a repeat (a crash before the moment was marked, two APIs) lodges nothing twice. Then each
 * lodgement's notice is started as a workflow whose id is derived from the lodgement, so the
 * recipient is told once through the notifier.
 */
@Injectable()
export class Lodger implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private readonly lodgements: LodgementsRepository;

  constructor(
    dataSource: DataSource,
    private readonly escalations: EscalationsRepository,
    private readonly timeline: TimelineEventsRepository,
    private readonly cases: CaseRecordsReader,
    @Inject(TEMPORAL_CLIENT) private readonly temporal: Client,
    @Inject(LODGER_INTERVAL_MS) private readonly intervalMs: number,
  ) {
    this.lodgements = new LodgementsRepository(dataSource);
  }

  onApplicationBootstrap() {
    this.timer = setInterval(() => void this.tick(), this.intervalMs);
    this.timer.unref();
  }

  onApplicationShutdown() {
    if (this.timer) clearInterval(this.timer);
  }

  /** One pass: every pending moment, then every notice not yet started. */
  async tick(): Promise<{ lodged: number; noticesStarted: number }> {
    if (this.running) return { lodged: 0, noticesStarted: 0 };
    this.running = true;
    let lodged = 0;
    let noticesStarted = 0;
    try {
      for (const moment of await this.lodgements.pendingMoments()) {
        try {
          lodged += await this.takeIn(moment);
          await this.lodgements.momentDone(moment.escalationId, moment.seq);
        } catch (err) {
          const error = String((err as Error).message);
          await this.lodgements.momentFailed(moment.escalationId, moment.seq, error);
          logger.warn('lodging moment not taken in yet', {
            escalationId: moment.escalationId,
            seq: moment.seq,
            error,
          });
        }
      }
      for (const lodgement of await this.lodgements.awaitingNotice()) {
        try {
          await this.startNotice(lodgement);
          await this.lodgements.noticeStarted(lodgement.id);
          noticesStarted += 1;
        } catch (err) {
          logger.warn('lodgement notice not started yet', {
            escalationId: lodgement.escalationId,
            lodgementId: lodgement.id,
            error: String((err as Error).message),
          });
        }
      }
    } catch (err) {
      logger.warn('lodger pass failed', { error: String((err as Error).message) });
    } finally {
      this.running = false;
    }
    return { lodged, noticesStarted };
  }

  /** Lodges what the moment makes due; how many were lodged now (0 when all were already). */
  private async takeIn(moment: PendingLodgementMoment): Promise<number> {
    const row = await this.escalations.findById(moment.escalationId);
    if (!row) throw new Error(`no escalation row ${moment.escalationId}`);
    // The version the case was raised under: a later version's lodging does not apply to it.
    const protocol = getProtocolVersion(row.protocolId, row.protocolVersion);
    if (!lodgesAnything(protocol)) return 0;
    const timeline = await this.timeline.forEscalations([row.id]);
    const due = lodgementsAt(
      protocol,
      timeline.map((e) => ({ seq: Number(e.seq), type: e.type, tier: Number(e.tier), detail: e.detail })),
      moment.seq,
    );
    if (due.length === 0) return 0;
    const withSubject = due.some((d) => documentNeedsSubject(LODGED_DOCUMENTS[d.recordKind]));
    const [record] = await this.cases.load([row], { withSubject });
    if (!record) throw new Error(`protocol ${row.protocolId} v${row.protocolVersion} is not known here`);
    const asLodged = recordAsOf(record, moment.seq, moment.at);
    let lodged = 0;
    for (const d of due) {
      const document = LODGED_DOCUMENTS[d.recordKind];
      const generated = generateCaseDocument(document, asLodged, moment.at);
      if ('notYet' in generated) {
        // E.g. a decision record on an outcome without a decision: nothing to lodge.
        logger.info('lodging: the record has no such form at this moment', {
          escalationId: row.id,
          seq: moment.seq,
          document,
        });
        continue;
      }
      const outcome = await this.lodgements.lodge({
        escalationId: row.id,
        partnershipId: row.partnershipId,
        key: d.key,
        moment: d.moment,
        timelineSeq: moment.seq,
        momentAt: moment.at,
        protocolId: row.protocolId,
        protocolVersion: row.protocolVersion,
        tierKey: d.tierKey,
        tierNumber: d.tierNumber,
        recordKind: d.recordKind,
        document,
        title: formTitle(protocol, d),
        recipientPartnershipRole: 'partnershipRole' in d.recipient ? d.recipient.partnershipRole : null,
        recipientAgencyRole: 'agencyRole' in d.recipient ? d.recipient.agencyRole : null,
        formJson: generated.json,
        formHtml: generated.html,
        contentHash: contentHashOf(generated.html),
      });
      if (outcome === 'lodged') lodged += 1;
    }
    return lodged;
  }

  private async startNotice(l: LodgementSummary): Promise<void> {
    const request: NotifyRequest = {
      escalationId: l.escalationId,
      event: 'lodged',
      tier: l.tierNumber,
      audience: lodgementAudience(l),
      key: `lodged:${l.id}`,
      urgent: false,
      lodgement: { id: l.id, title: l.title },
    };
    try {
      await this.temporal.workflow.start(LODGEMENT_NOTICE_WORKFLOW_TYPE, {
        taskQueue: TASK_QUEUES.escalations,
        workflowId: lodgementNoticeWorkflowId(l.escalationId, l.id),
        args: [request],
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
      });
    } catch (err) {
      // Started before (a crash before noticeStarted was written): the one workflow tells them.
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
  }
}
