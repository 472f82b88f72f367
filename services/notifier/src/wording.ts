import type { NotifyRequest } from '@resolve/contracts';
import type { NoticeFacts } from './notice-facts';

/**
 * What an email asks of its reader: whose move it is, what to do and by when, in words a
 * professional can act on without opening the case first. Only protocol wording, agency names,
 * instants and the reader's side: never anything about the child or adult.
 */

/** Which side of the case the reader is on, from why they are told (resolveRecipients). */
export type ReaderSide = 'raising' | 'receiving' | 'partnership' | 'unknown';

export function readerSide(because: readonly string[]): ReaderSide {
  for (const reason of because) {
    if (reason === 'party:raising' || reason.startsWith('raising:')) return 'raising';
    if (reason === 'party:receiving' || reason.startsWith('receiving:')) return 'receiving';
    if (reason.startsWith('partnership:')) return 'partnership';
  }
  return 'unknown';
}

const LONDON = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/London',
  weekday: 'long',
  day: 'numeric',
  month: 'long',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});

/** An instant as people in the UK read it: "Friday 4 December 2026, 17:00" (UK time, GMT or BST). */
export function instantInWords(iso: string): string {
  const parts = Object.fromEntries(LONDON.formatToParts(new Date(iso)).map((p) => [p.type, p.value]));
  return `${parts.weekday} ${parts.day} ${parts.month} ${parts.year}, ${parts.hour}:${parts.minute}`;
}

/** The protocol's description of one tier, as far as messages need it. */
export interface TierWording {
  number: number;
  key: string;
  title: string;
  clause?: string;
  /** The document's own words for the step and its timescale. */
  asWritten?: string;
  expects?: 'response' | 'plan-of-action' | 'meeting-date' | 'decision' | 'acknowledgement';
  /** Partnership roles acting at this tier (the independent chair...): the partnership leads it. */
  partnershipRoles?: string[];
  /** A tier with consecutive deadlines: its steps' keys and titles, for the step notices. */
  steps?: { key: string; title: string }[];
}

export interface WordingInput {
  event: NotifyRequest['event'] | 'delivery-failed';
  /** The tier the notice was sent for. */
  noticeTier: TierWording | null;
  /** The tier the case is at now (after a breach, the next one); the notice's tier otherwise. */
  currentTier: TierWording | null;
  facts: NoticeFacts;
  side: ReaderSide;
  raisingAgency: string;
  receivingAgency: string;
  /** The agency of the reader's side, to tell them a plan action is theirs. */
  readerAgencyId: string | null;
  planItemOwnerAgencyId: string | null;
}

export interface NoticeWording {
  /** Whose move it is and what the reader is asked to do (or told), by when. */
  whatToDo: string;
  /** The deadline the message is about, in words; empty when it has none. */
  deadlineLine: string;
  /** How the deadline was worked out (working days, bank holidays). */
  deadlineExplanation: string;
  /** The protocol's own words for the step. */
  stepWording: string;
  /** The meeting: kind, date and time. */
  meetingLine: string;
}

const words = (role: string) => role.replace(/-/g, ' ');

/** A meeting kind the API accepted (lower-case words joined by hyphens) in words; otherwise "meeting". */
export function meetingKindWords(kind: string): string {
  return /^[a-z0-9]+(-[a-z0-9]+)*$/.test(kind) && kind.length <= 40 ? words(kind) : 'meeting';
}

const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

function stepWording(tier: TierWording | null): string {
  if (!tier?.asWritten) return '';
  const where = tier.clause ? `${tier.title}, ${tier.clause}` : tier.title;
  return `What the protocol says for this step (${where}): "${tier.asWritten}"`;
}

function deadlineText(facts: NoticeFacts): { by: string; line: string; explanation: string } {
  if (!facts.deadline) return { by: 'by the deadline shown on the case page', line: '', explanation: '' };
  const when = instantInWords(facts.deadline.dueAt);
  return {
    by: `by ${when}`,
    line: `Deadline: ${when} (UK time).`,
    explanation: facts.deadline.explanation ? `How it was worked out: ${facts.deadline.explanation}.` : '',
  };
}

/** The tier's expectation, as the people who act on it are asked. */
function tierAsk(tier: TierWording | null, facts: NoticeFacts, otherAgency: string): string {
  const acknowledge = facts.current && facts.acknowledged ? '' : 'acknowledge the escalation and ';
  switch (tier?.expects) {
    case 'plan-of-action':
      return `${acknowledge}agree a plan of action, with timescales, with ${otherAgency}`;
    case 'acknowledgement':
      return 'acknowledge the escalation and respond to it';
    case 'meeting-date':
      return 'set the date of the meeting';
    case 'decision':
      return 'make the final decision and communicate it to both agencies';
    default:
      return `${acknowledge}respond to ${otherAgency}`;
  }
}

/** A tier's "whose move, what, by when" for each side. */
function tierMove(input: WordingInput, tier: TierWording | null, by: string): string {
  const { side, raisingAgency, receivingAgency, facts } = input;
  const partnershipLed =
    (tier?.partnershipRoles?.length ?? 0) > 0 ||
    tier?.expects === 'meeting-date' ||
    tier?.expects === 'decision';
  if (partnershipLed) {
    const who = tier?.partnershipRoles?.length ? `the ${words(tier.partnershipRoles[0])}` : 'the partnership';
    const ask = tierAsk(tier, facts, 'both agencies');
    if (side === 'partnership') return `It is the partnership's move: ${ask} ${by}.`;
    return `The case is now with the partnership: ${who} will ${ask} ${by}. Be ready to take part and to give your agency's view.`;
  }
  if (side === 'receiving') {
    return `It is your agency's move: ${tierAsk(tier, facts, raisingAgency)} ${by}.`;
  }
  const theirAsk = tierAsk(tier, facts, side === 'raising' ? 'you' : raisingAgency).replace(
    'acknowledge the escalation and ',
    'acknowledge it and ',
  );
  if (side === 'raising') {
    return `The escalation is with ${receivingAgency}, who must ${theirAsk} ${by}. You do not need to do anything before then unless they contact you; the case page shows what happens if the deadline passes.`;
  }
  return `${receivingAgency} must ${theirAsk} ${by}. No action is needed from you unless the case page says so.`;
}

const EMPTY: NoticeWording = {
  whatToDo: '',
  deadlineLine: '',
  deadlineExplanation: '',
  stepWording: '',
  meetingLine: '',
};

/** The reader-specific wording of one notice. */
export function noticeWording(input: WordingInput): NoticeWording {
  const { event, facts, side, raisingAgency, receivingAgency } = input;
  const tier = input.currentTier ?? input.noticeTier;
  const deadline = deadlineText(facts);
  const base = { ...EMPTY, stepWording: stepWording(tier) };
  const proposer =
    facts.proposedBySide === 'raising'
      ? raisingAgency
      : facts.proposedBySide === 'receiving'
        ? receivingAgency
        : null;
  // These notices go to the side that did not propose: without the projection, assume the reader is that side.
  const readerIsAsked =
    facts.proposedBySide && facts.proposedBySide !== 'partnership'
      ? side !== 'partnership' && side !== facts.proposedBySide
      : side === 'raising' || side === 'receiving';
  const otherSideAgency = side === 'raising' ? receivingAgency : raisingAgency;

  switch (event) {
    case 'escalation-raised':
    case 'tier-entered':
    case 'immediate-risk-flagged':
    case 'informed':
      return {
        ...base,
        whatToDo: tierMove(input, tier, deadline.by),
        deadlineLine: deadline.line,
        deadlineExplanation: deadline.explanation,
      };
    case 'deadline-reminder':
      return {
        ...base,
        whatToDo: tierMove(input, tier, deadline.by),
        deadlineLine: facts.deadline
          ? `This reminder is about the deadline of ${tier?.title ?? 'the current step'}: ${instantInWords(facts.deadline.dueAt)} (UK time).`
          : '',
        deadlineExplanation: deadline.explanation,
      };
    case 'extension-agreed':
      return {
        ...base,
        whatToDo: tierMove(input, tier, deadline.by),
        deadlineLine: facts.deadline
          ? `New deadline: ${instantInWords(facts.deadline.dueAt)} (UK time)${facts.previousDeadline ? `, instead of ${instantInWords(facts.previousDeadline)}` : ''}.`
          : '',
      };
    case 'deadline-breached':
    case 'route-choice-needed': {
      const missed = facts.missedDeadline
        ? `The deadline missed: ${input.noticeTier?.title ?? 'this step'}, due ${instantInWords(facts.missedDeadline.dueAt)} (UK time).`
        : '';
      const explanation = facts.missedDeadline?.explanation
        ? `How it was worked out: ${facts.missedDeadline.explanation}.`
        : '';
      if (event === 'route-choice-needed') {
        return {
          ...base,
          whatToDo:
            'The people acting at this tier must now choose the next step (for example an urgent chaired meeting or a referral for learning), on the case page. The case stays at this tier until they choose.',
          deadlineLine: missed,
          deadlineExplanation: explanation,
        };
      }
      const movedOn =
        facts.current &&
        facts.tierNumber !== null &&
        input.noticeTier &&
        facts.tierNumber > input.noticeTier.number;
      return {
        ...base,
        whatToDo: movedOn
          ? `The case has moved to ${input.currentTier?.title ?? `tier ${facts.tierNumber}`}. ${tierMove(input, input.currentTier, deadline.by)}`
          : `This step is now overdue. ${tierMove(input, tier, 'as soon as possible')}`,
        deadlineLine: [
          missed,
          movedOn && facts.deadline
            ? `Next deadline: ${instantInWords(facts.deadline.dueAt)} (UK time).`
            : '',
        ]
          .filter(Boolean)
          .join(' '),
        deadlineExplanation: movedOn ? deadline.explanation : explanation,
      };
    }
    case 'plan-proposed': {
      const by = proposer ?? 'the other agency';
      return {
        ...base,
        whatToDo: readerIsAsked
          ? `It is your agency's move: agree the plan of action ${by} proposed, or propose a changed one, ${deadline.by}. The plan is agreed only when you accept it; until then the deadline keeps running.`
          : `${facts.proposedBySide === 'raising' ? receivingAgency : raisingAgency} is asked to agree the plan of action ${by} proposed, or propose a changed one, ${deadline.by}.`,
        deadlineLine: deadline.line,
        deadlineExplanation: deadline.explanation,
      };
    }
    case 'extension-proposed': {
      const proposed = facts.proposedDeadline
        ? `An extension to ${instantInWords(facts.proposedDeadline)} (UK time) has been proposed${proposer ? ` by ${proposer}` : ''}.`
        : '';
      return {
        ...base,
        whatToDo: [
          proposed,
          readerIsAsked
            ? 'It is your move: agree or decline the extension on the case page.'
            : `${facts.proposedBySide ? otherSideAgency : 'The other side'} is asked to agree or decline it.`,
          facts.deadline
            ? `Until it is agreed the current deadline stands: ${instantInWords(facts.deadline.dueAt)}.`
            : '',
        ]
          .filter(Boolean)
          .join(' '),
        deadlineLine: deadline.line,
      };
    }
    case 'meeting-scheduled': {
      const m = facts.meeting;
      if (!m) return { ...base, whatToDo: 'The date, time and who is invited are on the case page.' };
      return {
        ...base,
        meetingLine: `${capitalise(meetingKindWords(m.kind))}: ${instantInWords(m.at)} (UK time). The place and who is invited are on the case page.`,
        whatToDo:
          `Please attend, or make sure someone able to speak for your ${side === 'partnership' ? 'role' : 'agency'} does. ` +
          (m.sequence > 0
            ? 'This is a new date: the attached calendar invitation updates the earlier one.'
            : 'A calendar invitation is attached.'),
      };
    }
    case 'plan-item-due':
    case 'plan-item-overdue': {
      const due = facts.planItemDueAt ? instantInWords(facts.planItemDueAt) : null;
      const owner = input.planItemOwnerAgencyId;
      const ownsIt = owner !== null && input.readerAgencyId !== null && input.readerAgencyId === owner;
      const overdue = event === 'plan-item-overdue';
      return {
        ...base,
        stepWording: '',
        deadlineLine: due ? `The action ${overdue ? 'was' : 'is'} due ${due} (UK time).` : '',
        whatToDo: ownsIt
          ? `It is your agency's action: ${overdue ? 'complete it now, or agree a new date,' : 'complete it'} and record it on the case page.`
          : 'The action, the agency that owns it and its due date are on the case page.',
      };
    }
    case 'step-due-soon':
    case 'step-overdue': {
      // Sent to the step's owner only (its side's roles the protocol names for the step).
      const step = facts.step;
      const title = step && input.noticeTier?.steps?.find((s) => s.key === step.key)?.title;
      const name = step ? `"${title ?? step.key.replace(/-/g, ' ')}"` : 'a step of this tier';
      const overdue = event === 'step-overdue';
      return {
        ...base,
        deadlineLine: step
          ? `The step ${name} ${overdue ? 'was' : 'is'} due ${instantInWords(step.dueAt)} (UK time).`
          : '',
        whatToDo: overdue
          ? `The step ${name} is yours and is now overdue: complete it as soon as possible and record it on the case page. The steps after it count from when it is complete.`
          : `The step ${name} is yours: complete it and record it on the case page before it is due.`,
      };
    }
    case 'closed': {
      const m = facts.meetingToCancel;
      return {
        ...base,
        stepWording: '',
        whatToDo: m
          ? `The ${meetingKindWords(m.kind)} on ${instantInWords(m.at)} will not take place: the attached calendar cancellation removes it.`
          : '',
      };
    }
    default:
      return { ...base, stepWording: event === 'delivery-failed' ? '' : base.stepWording };
  }
}
