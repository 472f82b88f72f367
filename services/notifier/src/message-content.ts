import type { Nation } from '@resolve/calendar';
import { getProtocol, getProtocolVersion } from '@resolve/protocols';
import { ProtocolFolder } from '@resolve/protocols/files';
import type { ProtocolChannels } from './channels';
import type { EscalationFacts } from './recipients';
import { NO_FACTS, type NoticeFacts } from './notice-facts';
import type { TemplateEvent } from './templates';
import { noticeWording, type ReaderSide, type TierWording } from './wording';

/** What the notifier needs from a protocol definition: words for messages, the nation for holidays. */
export interface ProtocolInfo {
  id: string;
  title: string;
  audience: 'children' | 'adults' | 'both';
  nation: Nation;
  categories: { id: string; label: string }[];
  tiers: TierWording[];
  /** The protocol's `channels` setting, which planChannels combines with each person's preferences. */
  channels?: ProtocolChannels;
}

/** A protocol's words by id and, where known, the version the case was raised under. */
export type ProtocolLookup = (protocolId: string, version?: number) => ProtocolInfo | null;

/** The version a case pinned, or the latest when that version is not known here (older stores). */
function findProtocol(protocolId: string, version?: number) {
  if (version !== undefined) {
    try {
      return getProtocolVersion(protocolId, version);
    } catch {
      // Fall through to the latest version of the id.
    }
  }
  return getProtocol(protocolId);
}

/**
 * The registered protocol definitions (@resolve/protocols: the shipped ones and any read from a
 * protocols folder). Unknown ids give null: messages fall back to the id.
 */
export const shippedProtocolLookup: ProtocolLookup = (protocolId, version) => {
  try {
    const p = findProtocol(protocolId, version);
    return {
      id: p.id,
      title: p.title,
      audience: p.audience,
      nation: p.nation,
      categories: p.categories.map((c) => ({ id: c.id, label: c.label })),
      channels: { email: p.channels.email, sms: p.channels.sms },
      tiers: p.tiers.map((t) => ({
        number: t.number,
        key: t.key,
        title: t.title,
        clause: t.clause,
        asWritten: t.timescale.asWritten,
        expects: t.expects,
        partnershipRoles: [...t.partnershipRoles],
        ...(t.steps ? { steps: t.steps.map((s) => ({ key: s.key, title: s.title })) } : {}),
      })),
    };
  } catch {
    return null;
  }
};

/** How events are named where one message refers to another (the delivery-failed alert). */
export const EVENT_LABELS: Readonly<Record<TemplateEvent, string>> = {
  'escalation-raised': 'escalation raised',
  'tier-entered': 'escalation moved to a new tier',
  'deadline-reminder': 'deadline reminder',
  'deadline-breached': 'deadline missed',
  'plan-proposed': 'plan of action proposed',
  'chair-appointed': 'chair appointed',
  'route-choice-needed': 'choice of next step overdue',
  'plan-item-due': 'plan action due',
  'plan-item-overdue': 'plan action overdue',
  'step-due-soon': 'step due soon',
  'step-overdue': 'step overdue',
  'immediate-risk-flagged': 'immediate risk flagged',
  'extension-proposed': 'extension proposed',
  'extension-agreed': 'extension agreed',
  'meeting-scheduled': 'meeting scheduled',
  'final-decision': 'final decision recorded',
  closed: 'escalation closed',
  'learning-referred': 'referred for learning',
  informed: 'for information',
  lodged: 'form lodged',
  'delivery-failed': 'undeliverable notification',
};

/**
 * Printed in every email about a case flagged as immediate risk: the disagreement process does
 * not replace a safeguarding referral.
 */
export function riskNotice(audience: ProtocolInfo['audience'] | undefined): string {
  const referral =
    audience === 'adults'
      ? 'an adult safeguarding referral. If an adult is at immediate risk of harm, make an adult safeguarding referral to adult social care'
      : audience === 'children'
        ? "a child protection referral. If a child is at immediate risk of significant harm, make a child protection referral to children's social care"
        : "a child protection or adult safeguarding referral. If a child or adult is at immediate risk of harm, make a referral to children's or adult social care";
  return `Important: raising a professional disagreement is not ${referral} now, or call the police on 999 in an emergency.`;
}

export interface MessageContext {
  escalation: EscalationFacts;
  protocol: ProtocolInfo | null;
  event: TemplateEvent;
  tier: number;
  publicBaseUrl: string;
  /** What the projection says about the step (deadline, meeting...); none: wording without it. */
  facts?: NoticeFacts;
  /** Agency names of the two sides, by id. */
  agencyNames?: Readonly<Record<string, string>>;
}

/** Who reads this message: their name and the side they are on. */
export interface Reader {
  name: string;
  side: ReaderSide;
}

export function escalationLink(publicBaseUrl: string, escalationId: string): string {
  return `${publicBaseUrl.replace(/\/+$/, '')}/escalations/${encodeURIComponent(escalationId)}`;
}

/** The page where the recipient of a lodged form opens it, once signed in (docs/records-and-reports.md). */
export function lodgedFormLink(publicBaseUrl: string, lodgementId: string): string {
  return `${publicBaseUrl.replace(/\/+$/, '')}/lodged/${encodeURIComponent(lodgementId)}`;
}

const LODGED_NOTICE_KEY = /^lodged:([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

/**
 * The lodged form a `lodged` notice is about: from the request, or, for a notice rebuilt from its
 * delivery row (a held text, a fallback after a bounce), from its key `lodged:<lodgement id>`.
 */
export function lodgedFormOf(notice: {
  key: string;
  lodgement?: { id: string; title: string };
}): { id: string; title: string } | null {
  if (notice.lodgement) return notice.lodgement;
  const m = LODGED_NOTICE_KEY.exec(notice.key);
  return m ? { id: m[1], title: 'A form' } : null;
}

/**
 * Template variables for one recipient. Only ids, the case reference, protocol wording, agency
 * names, instants and the professional recipient's own name and side (see wording.ts): the notifier never reads the child's or adult's details
 * (table escalation_subject) or the case's prose. The category label only when the partnership
 * allows it (`email_detail = 'reference-and-category'`).
 */
export function messageVariables(ctx: MessageContext, reader: Reader | string): Record<string, string> {
  const { escalation, protocol } = ctx;
  const { name: recipientName, side } =
    typeof reader === 'string' ? { name: reader, side: 'unknown' as const } : reader;
  const facts = ctx.facts ?? NO_FACTS;
  const tierAt = (n: number, key: string | null) =>
    protocol?.tiers.find((t) => t.number === n && t.key === key) ??
    protocol?.tiers.find((t) => t.number === n);
  const tier = tierAt(ctx.tier, escalation.tierKey);
  const currentTier =
    facts.current && facts.tierNumber !== null ? tierAt(facts.tierNumber, facts.tierKey) : tier;
  const names = ctx.agencyNames ?? {};
  const wording = noticeWording({
    event: ctx.event,
    noticeTier: tier ?? null,
    currentTier: currentTier ?? null,
    facts,
    side,
    raisingAgency: names[escalation.raisingAgencyId] ?? 'the raising agency',
    receivingAgency: names[escalation.receivingAgencyId] ?? 'the receiving agency',
    readerAgencyId:
      side === 'raising'
        ? escalation.raisingAgencyId
        : side === 'receiving'
          ? escalation.receivingAgencyId
          : null,
    planItemOwnerAgencyId: facts.planItemOwnerAgencyId,
  });
  const category =
    protocol?.categories.find((c) => c.id === escalation.category)?.label ?? escalation.category;
  const showRisk = ctx.event === 'immediate-risk-flagged' || escalation.immediateRisk;
  return {
    reference: escalation.reference,
    protocolId: escalation.protocolId,
    protocolTitle: protocol?.title ?? escalation.protocolId,
    partnershipName: escalation.partnershipName,
    tier: String(ctx.tier),
    tierTitle: tier?.title ?? `Tier ${ctx.tier}`,
    link: escalationLink(ctx.publicBaseUrl, escalation.id),
    recipientName,
    categoryLine: escalation.emailDetail === 'reference-and-category' ? `Category: ${category}` : '',
    riskNotice: showRisk ? riskNotice(protocol?.audience) : '',
    // A lodged form's notice names the form (set from the request by notify.ts).
    formTitle: ctx.event === 'lodged' ? 'A form' : '',
    ...wording,
  };
}

/**
 * The shipped protocols and the partnership's own folder (PROTOCOLS_DIR), read again (at most
 * once a second) before each lookup, as the API does: a case raised under a file dropped in the
 * folder gets its own words in messages, without a restart of the notifier.
 */
export function folderProtocolLookup(
  dir: string,
  report: (problem: { dir: string; problem: string } | { protocol: string }) => void = () => undefined,
): ProtocolLookup {
  const folder = new ProtocolFolder(dir);
  return (protocolId, version) => {
    const { added, errors } = folder.refresh();
    for (const protocol of added) report({ protocol });
    for (const err of errors) report({ dir, problem: err.message });
    return shippedProtocolLookup(protocolId, version);
  };
}
