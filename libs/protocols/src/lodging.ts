import type { AgencyRole, LodgeableRecordKind, LodgeMoment, PartnershipRole, Protocol, Tier } from './schema';

/**
 * When the protocol's forms are lodged with their recipients: a pure reading of the case's
 * timeline against the pinned protocol (docs/records-and-reports.md, "Lodged forms").
 */

/** Who a form is lodged with: one partnership role, or one agency role in each party agency. */
export type LodgeRecipient = { partnershipRole: PartnershipRole } | { agencyRole: AgencyRole };

/** One form due to be lodged with one recipient at one moment of a case. */
export interface LodgementDue {
  /**
   * Unique within the case and stable: the same timeline always gives the same keys, so a
   * lodgement is made once however often the moment is looked at.
   */
  key: string;
  /** `every-stage`: the record of a stage for a recipient the protocol informs at every stage. */
  moment: LodgeMoment | 'every-stage';
  /** The tier whose record it is (for `every-stage`, the stage entered; the last tier on closing). */
  tierKey: string;
  tierNumber: number;
  recordKind: LodgeableRecordKind;
  recipient: LodgeRecipient;
}

/** The part of a timeline entry the moments are read from. */
export interface LodgingTimelineEntry {
  seq: number;
  type: string;
  tier: number;
  detail?: Record<string, unknown> | null;
}

/**
 * The record every-stage recipients get at each stage: the Agency Escalation Summary Log entry,
 * the one form every case has that says where the case stands and how it got there.
 */
export const EVERY_STAGE_RECORD: LodgeableRecordKind = 'log-entry';

export function recipientKey(r: LodgeRecipient): string {
  return 'partnershipRole' in r ? `partnership:${r.partnershipRole}` : `agency:${r.agencyRole}`;
}

function tierByKey(protocol: Protocol, key: unknown): Tier | undefined {
  return protocol.tiers.find((t) => t.key === key);
}

function lodgedAt(protocol: Protocol, tier: Tier, moment: LodgeMoment): LodgementDue[] {
  return tier.records.flatMap((r) =>
    r.lodge && r.lodge.when.includes(moment)
      ? r.lodge.with.map((w) => {
          const recipient = (
            w.partnershipRole ? { partnershipRole: w.partnershipRole } : { agencyRole: w.agencyRole! }
          ) as LodgeRecipient;
          return {
            key: `${moment}:${tier.key}:${r.kind}:${recipientKey(recipient)}`,
            moment,
            tierKey: tier.key,
            tierNumber: tier.number,
            recordKind: r.kind as LodgeableRecordKind,
            recipient,
          };
        })
      : [],
  );
}

function everyStage(protocol: Protocol, stage: string, tier: Tier): LodgementDue[] {
  return (protocol.informedAtEveryStage ?? []).map((r) => {
    const recipient = (
      r.partnershipRole ? { partnershipRole: r.partnershipRole } : { agencyRole: r.agencyRole! }
    ) as LodgeRecipient;
    return {
      key: `every-stage:${stage}:${EVERY_STAGE_RECORD}:${recipientKey(recipient)}`,
      moment: 'every-stage' as const,
      tierKey: tier.key,
      tierNumber: tier.number,
      recordKind: EVERY_STAGE_RECORD,
      recipient,
    };
  });
}

/**
 * The forms due when the timeline entry `seq` happened: entering a tier lodges that tier's
 * `tier-entered` forms and the `tier-outcome` forms of the tier it left; closing lodges the
 * current tier's `tier-outcome` forms and every tier's `case-closed` forms; both give each
 * every-stage recipient its record of the stage. Other entries lodge nothing. Each key once.
 */
export function lodgementsAt(
  protocol: Protocol,
  timeline: readonly LodgingTimelineEntry[],
  seq: number,
): LodgementDue[] {
  const entry = timeline.find((e) => e.seq === seq);
  if (!entry || (entry.type !== 'tier-entered' && entry.type !== 'closed')) return [];
  const before = timeline.filter((e) => e.type === 'tier-entered' && e.seq < seq);
  const left = before.length > 0 ? tierByKey(protocol, before[before.length - 1].detail?.key) : undefined;
  const due: LodgementDue[] = [];
  if (entry.type === 'tier-entered') {
    const entered = tierByKey(protocol, entry.detail?.key);
    if (!entered) return [];
    if (left && left.key !== entered.key) due.push(...lodgedAt(protocol, left, 'tier-outcome'));
    due.push(...lodgedAt(protocol, entered, 'tier-entered'));
    due.push(...everyStage(protocol, entered.key, entered));
  } else {
    if (!left) return [];
    due.push(...lodgedAt(protocol, left, 'tier-outcome'));
    for (const tier of protocol.tiers) due.push(...lodgedAt(protocol, tier, 'case-closed'));
    due.push(...everyStage(protocol, 'closed', left));
  }
  const seen = new Set<string>();
  return due.filter((d) => (seen.has(d.key) ? false : (seen.add(d.key), true)));
}

/** Whether a pinned protocol lodges anything at all (most do not: nothing to look at). */
export function lodgesAnything(protocol: Protocol): boolean {
  return (
    (protocol.informedAtEveryStage ?? []).length > 0 ||
    protocol.tiers.some((t) => t.records.some((r) => r.lodge))
  );
}
