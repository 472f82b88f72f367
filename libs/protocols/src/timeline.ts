/**
 * Deadlines of a protocol's tiers. `computeTierDeadline` is the single function that turns a
 * tier's timescale into an instant: the workflow engine calls it for every deadline and the CLI's
 * `timeline` command calls it through `computeTimeline`, so both always agree.
 *
 * Pure: no clock, no I/O (the calendar is pure too), so a workflow gets the same answer on replay.
 */
import {
  addCalendarDays,
  addClockHours,
  addWorkingDays,
  addWorkingHours,
  closeOfBusinessToday,
  formatLocal,
  type Deadline,
  type HolidaySet,
} from '@resolve/calendar';
import type { FinalRoute, Protocol, Tier, TierStep, Timescale } from './schema';

export interface TierDeadlineContext {
  /** When the escalation was raised (step 1 began). */
  escalationStartedAt: Date;
  /** When the case entered this tier. */
  tierStartedAt: Date;
  /** The previous tier's deadline; null at the first tier reached or after an untimed tier. */
  previousDeadline: Date | null;
  /** Immediate risk of harm: the protocol's fast track shortens the timescale. */
  immediateRisk: boolean;
  /**
   * When the concern was identified, where the raise gave an instant before the raise itself
   * (already checked against the protocol's limit): `from: concern-identified` counts from it.
   */
  concernIdentifiedAt?: Date | null;
  /**
   * The case's own "timescale that protects the child from harm", where a person set one: the
   * tier is due at the earlier of it and the tier's timescale.
   */
  protectiveDeadline?: Date | null;
  /**
   * Bank-holiday data to count with; default the calendar's DEFAULT_HOLIDAYS. The worker passes
   * the set whose `version` it records next to the deadline, so the two cannot differ.
   */
  holidays?: HolidaySet;
}

export interface TierDeadline {
  /** Null when the tier has no timescale: it waits for a person and cannot be breached. */
  dueAt: Date | null;
  /** Words a practitioner reads: what the document says, how we counted, and the due instant. */
  explanation: string;
}

export interface TimelineOptions {
  /** Urgent resolution required: picks the `urgent` route where the last step branches. */
  urgent?: boolean;
  /** Immediate risk: the fast track (start tier, shortened timescales); implies urgent. */
  immediateRisk?: boolean;
  /** Bank-holiday data; default the calendar's DEFAULT_HOLIDAYS. */
  holidays?: HolidaySet;
}

export interface TimelineTier {
  tier: number;
  key: string;
  /** The final route this tier belongs to, when the protocol branches there. */
  route?: string;
  startsAt: string;
  dueAt: string | null;
  explanation: string;
}

export interface Timeline {
  protocol: string;
  tiers: TimelineTier[];
}

/**
 * The schedule if nobody acts and each tier is escalated at its deadline: tier N+1 starts at tier
 * N's deadline. A tier without a timescale ends the timeline (nothing escalates it automatically).
 */
export function computeTimeline(protocol: Protocol, from: Date, options: TimelineOptions = {}): Timeline {
  checkDate(from, 'from');
  const immediateRisk = options.immediateRisk === true;
  const path = tierPath(protocol, options);
  const tiers: TimelineTier[] = [];
  let startsAt = from;
  let previousDeadline: Date | null = null;
  for (const tier of path) {
    const context: TierDeadlineContext = {
      escalationStartedAt: from,
      tierStartedAt: startsAt,
      previousDeadline,
      immediateRisk,
      holidays: options.holidays,
    };
    // A tier with steps is due with its last step; if nobody acts, each step is taken as done at
    // its own deadline (computeStepDeadlines), so the tier ends at that projected date.
    const { dueAt, explanation }: TierDeadline = tier.steps
      ? computeStepDeadlines(protocol, tier, context).tier
      : computeTierDeadline(protocol, tier, context);
    tiers.push({
      tier: tier.number,
      key: tier.key,
      ...(tier.route ? { route: tier.route } : {}),
      startsAt: startsAt.toISOString(),
      dueAt: dueAt ? dueAt.toISOString() : null,
      explanation,
    });
    if (!dueAt) break;
    previousDeadline = dueAt;
    startsAt = dueAt;
  }
  return { protocol: protocol.id, tiers };
}

/**
 * The tiers an escalation goes through, in order: from the fast track's start tier under
 * immediate risk (else tier 1), one tier per number, the route chosen where tiers share a number.
 */
export function tierPath(protocol: Protocol, options: TimelineOptions = {}): Tier[] {
  const first = options.immediateRisk ? protocol.fastTrack.startAtTier : 1;
  const numbers = [...new Set(protocol.tiers.map((t) => t.number))].filter((n) => n >= first);
  return numbers.map((n) => tierAt(protocol, n, options));
}

/**
 * The tier an escalation enters at `number`. Where the document branches (Lincolnshire step 4a
 * urgent meeting / 4b learning referral), urgent or immediate-risk escalations take the route
 * with `when: 'urgent'` and the others the `non-urgent` one; routes with `when: 'any'` are chosen
 * by a person at the step, and the first such is taken here.
 */
export function tierAt(protocol: Protocol, number: number, options: TimelineOptions = {}): Tier {
  const candidates = protocol.tiers.filter((t) => t.number === number);
  if (candidates.length === 0) {
    throw new RangeError(`${protocol.id} has no tier ${number} (tiers 1 to ${lastTierNumber(protocol)})`);
  }
  if (candidates.length === 1) return candidates[0];
  const wanted = options.urgent || options.immediateRisk ? 'urgent' : 'non-urgent';
  const when = (t: Tier) => routeOf(protocol, t)?.when;
  return (
    candidates.find((t) => when(t) === wanted) ?? candidates.find((t) => when(t) === 'any') ?? candidates[0]
  );
}

/** The tier after `current` for this escalation, or null at the last step. */
export function nextTier(protocol: Protocol, current: number, options: TimelineOptions = {}): Tier | null {
  const next = protocol.tiers.find((t) => t.number > current);
  return next ? tierAt(protocol, next.number, options) : null;
}

export function routeOf(protocol: Protocol, tier: Tier): FinalRoute | undefined {
  return tier.route ? protocol.finalRoutes.find((r) => r.key === tier.route) : undefined;
}

export function lastTierNumber(protocol: Protocol): number {
  return Math.max(...protocol.tiers.map((t) => t.number));
}

/**
 * The deadline of one tier. `tier` is the tier itself, its key, or its number (a number shared by
 * alternative routes is ambiguous: pass the tier or its key).
 *
 * Counting (protocol `counting`, docs/protocols.md):
 * - working days end at close of business on the N-th working day after the calendar day of the
 *   instant counted from (the calendar's rule), in the protocol's nation;
 * - `from` picks that instant: this tier's start, the escalation's start ("within 5 working days
 *   of step 1", Lincolnshire step 2), or the previous tier's deadline ("a further 2 working days
 *   (4 days total)", Sefton step 2). Without a previous deadline, or if the anchor would put the
 *   deadline before the tier even started, it counts from the tier's start instead;
 * - under immediate risk the fast track's shorter timescale applies when it is earlier.
 */
export function computeTierDeadline(
  protocol: Protocol,
  tier: Tier | string | number,
  ctx: TierDeadlineContext,
): TierDeadline {
  const t = resolveTier(protocol, tier);
  checkDate(ctx.escalationStartedAt, 'escalationStartedAt');
  checkDate(ctx.tierStartedAt, 'tierStartedAt');
  if (ctx.previousDeadline !== null) checkDate(ctx.previousDeadline, 'previousDeadline');
  if (ctx.concernIdentifiedAt) checkDate(ctx.concernIdentifiedAt, 'concernIdentifiedAt');
  if (ctx.protectiveDeadline) checkDate(ctx.protectiveDeadline, 'protectiveDeadline');
  const fixed = fixedTierDeadline(protocol, t, ctx);
  // A protective date already past when this tier began was the earlier tier's; a later tier
  // keeps its own timescale rather than starting breached.
  const protective =
    ctx.protectiveDeadline && ctx.protectiveDeadline.getTime() > ctx.tierStartedAt.getTime()
      ? ctx.protectiveDeadline
      : null;
  if (protective && (fixed.dueAt === null || protective.getTime() < fixed.dueAt.getTime())) {
    return {
      dueAt: protective,
      explanation: `${fixed.explanation}; a timescale that protects the child from harm was set for this case: due ${formatLocal(protective)}, which is earlier, so it applies`,
    };
  }
  return fixed;
}

/** The tier's own timescale (and fast track), before any case-specific protective date. */
function fixedTierDeadline(protocol: Protocol, t: Tier, ctx: TierDeadlineContext): TierDeadline {
  const ts = t.timescale;
  const head = `${t.title} (${t.clause}, "${ts.asWritten}")`;

  if (ts.kind === 'none') {
    return {
      dueAt: null,
      explanation: `${head}: no deadline; the document sets no timescale, so the tier waits for a person`,
    };
  }

  let normal: Deadline;
  let counted: string;
  if (ts.kind === 'immediately') {
    normal = count(protocol, 'working-days', ctx.tierStartedAt, ts.enforcedWorkingDays, ctx.holidays);
    counted =
      ts.enforcedWorkingDays === 0
        ? 'enforced as close of business today'
        : `enforced as ${plural(ts.enforcedWorkingDays, 'working day')} from the start of this tier`;
    if (ts.enforcedClockHours !== undefined) {
      const short = count(protocol, 'clock-hours', ctx.tierStartedAt, ts.enforcedClockHours, ctx.holidays);
      if (short.dueAt.getTime() < normal.dueAt.getTime()) {
        normal = short;
        counted = `enforced without delay as ${plural(ts.enforcedClockHours, 'clock hour')} from the start of this tier`;
      }
    }
  } else {
    const anchor = anchorOf(ts, ctx);
    normal = count(protocol, ts.kind, anchor.at, ts.amount, ctx.holidays);
    counted = `counted as ${amountWords(ts)} from ${anchor.words}`;
    if (
      normal.dueAt.getTime() <= ctx.tierStartedAt.getTime() &&
      anchor.at.getTime() !== ctx.tierStartedAt.getTime()
    ) {
      normal = count(protocol, ts.kind, ctx.tierStartedAt, ts.amount, ctx.holidays);
      counted = `counted as ${amountWords(ts)} from the start of this tier, because counting from ${anchor.words} ends before the tier started`;
    }
  }

  if (ctx.immediateRisk) {
    const fast = fastTrackDeadline(protocol, ts, ctx.tierStartedAt, ctx.holidays);
    if (fast && fast.deadline.dueAt.getTime() < normal.dueAt.getTime()) {
      return {
        dueAt: fast.deadline.dueAt,
        explanation: `${head}: immediate risk, fast track (${protocol.fastTrack.clause}) shortens it to ${fast.words} from the start of this tier: ${fast.deadline.explanation}`,
      };
    }
  }
  return { dueAt: normal.dueAt, explanation: `${head}: ${counted}: ${normal.explanation}` };
}

type Countable = Exclude<Timescale, { kind: 'none' } | { kind: 'immediately' }>;

function anchorOf(ts: Countable, ctx: TierDeadlineContext): { at: Date; words: string } {
  switch (ts.from) {
    case 'escalation-start':
      return { at: ctx.escalationStartedAt, words: 'the start of the escalation' };
    case 'concern-identified':
      // Where the raise says the concern was identified earlier, the clock started then.
      return ctx.concernIdentifiedAt
        ? {
            at: ctx.concernIdentifiedAt,
            words: `when the concern was identified (${formatLocal(ctx.concernIdentifiedAt)}, before the raise)`,
          }
        : { at: ctx.escalationStartedAt, words: 'the start of the escalation' };
    case 'previous-deadline':
      return ctx.previousDeadline
        ? { at: ctx.previousDeadline, words: "the previous tier's deadline" }
        : { at: ctx.tierStartedAt, words: 'the start of this tier (no previous deadline to count from)' };
    case 'tier-start':
      return { at: ctx.tierStartedAt, words: 'the start of this tier' };
  }
}

function count(
  protocol: Protocol,
  kind: Countable['kind'],
  from: Date,
  amount: number,
  holidays: HolidaySet | undefined,
): Deadline {
  const options = {
    nation: protocol.nation,
    businessHours: protocol.businessHours,
    ...(holidays ? { holidays } : {}),
  };
  switch (kind) {
    case 'working-days':
      return amount === 0 ? closeOfBusinessToday(from, options) : addWorkingDays(from, amount, options);
    case 'working-hours':
      return addWorkingHours(from, amount, options);
    case 'calendar-days':
      return addCalendarDays(from, amount, options);
    case 'clock-hours':
      return addClockHours(from, amount);
    case 'minutes': {
      // Demo protocol: plain clock minutes, no business hours or bank holidays.
      const dueAt = new Date(from.getTime() + amount * 60_000);
      return {
        dueAt,
        explanation: `due ${localWithSeconds(dueAt)}: ${plural(amount, 'minute')} from ${localWithSeconds(from)}`,
        skippedHolidays: [],
      };
    }
  }
}

function fastTrackDeadline(
  protocol: Protocol,
  ts: Exclude<Timescale, { kind: 'none' }>,
  tierStartedAt: Date,
  holidays: HolidaySet | undefined,
): { deadline: Deadline; words: string } | null {
  const fast = protocol.fastTrack;
  if (ts.kind === 'minutes') {
    if (fast.minutesPerTier === undefined) return null;
    return {
      deadline: count(protocol, 'minutes', tierStartedAt, fast.minutesPerTier, holidays),
      words: plural(fast.minutesPerTier, 'minute'),
    };
  }
  const words =
    fast.workingDaysPerTier === 0
      ? 'close of business today'
      : plural(fast.workingDaysPerTier, 'working day');
  return {
    deadline: count(protocol, 'working-days', tierStartedAt, fast.workingDaysPerTier, holidays),
    words,
  };
}

function amountWords(ts: Countable): string {
  switch (ts.kind) {
    case 'working-days':
      return plural(ts.amount, 'working day');
    case 'working-hours':
      return plural(ts.amount, 'working hour');
    case 'calendar-days':
      return plural(ts.amount, 'calendar day');
    case 'clock-hours':
      return plural(ts.amount, 'clock hour');
    case 'minutes':
      return plural(ts.amount, 'clock minute');
  }
}

function resolveTier(protocol: Protocol, tier: Tier | string | number): Tier {
  if (typeof tier === 'object') return tier;
  if (typeof tier === 'string') {
    const found = protocol.tiers.find((t) => t.key === tier);
    if (!found) {
      throw new RangeError(
        `${protocol.id} has no tier "${tier}" (tiers: ${protocol.tiers.map((t) => t.key).join(', ')})`,
      );
    }
    return found;
  }
  const matches = protocol.tiers.filter((t) => t.number === tier);
  if (matches.length === 0)
    throw new RangeError(`${protocol.id} has no tier ${tier} (tiers 1 to ${lastTierNumber(protocol)})`);
  if (matches.length > 1) {
    throw new RangeError(
      `${protocol.id} tier ${tier} has alternative routes (${matches.map((t) => t.key).join(', ')}): pass the tier or its key`,
    );
  }
  return matches[0];
}

function checkDate(d: unknown, what: string): void {
  if (!(d instanceof Date) || Number.isNaN(d.getTime())) throw new TypeError(`${what} must be a valid Date`);
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** "Tue 7 Apr 10:02:37": minute-scale deadlines need the seconds. */
function localWithSeconds(d: Date): string {
  return `${formatLocal(d)}:${String(d.getUTCSeconds()).padStart(2, '0')}`;
}

// ---------------------------------------------------------------------------------------------
// Consecutive deadlines inside a tier (`steps`)

export interface StepDeadline {
  key: string;
  /** The instant its clock started: the tier's start, or the previous step's completion. */
  startedAt: string | null;
  /** Null while the step it counts from is not yet complete. */
  dueAt: Date | null;
  explanation: string;
}

/**
 * The due instant of each step of a tier with `steps`: a step counted from the tier's start is
 * due from the moment the tier starts; one counted from the previous step is due only once that
 * step is complete (`completedAt`), counted from the instant it was. Each is counted by the same
 * rule as a tier's deadline (working days, fast track under immediate risk), so a step reads like
 * a small tier. A case's protective date bears on the last step only: it is the tier's deadline.
 *
 * The tier is due when its last step is due. Until every step before it is complete, that date
 * is projected: each step not yet complete is taken as done at its own deadline, so a step that
 * is never completed still brings the tier to its end (its breach, its `onBreach`), and a step
 * completed early or late moves the tier's date with it.
 */
export function computeStepDeadlines(
  protocol: Protocol,
  tier: Tier,
  ctx: TierDeadlineContext & { completedAt?: Readonly<Record<string, string>> },
): { steps: StepDeadline[]; tier: TierDeadline } {
  const steps = tier.steps ?? [];
  const out: StepDeadline[] = [];
  // When the step before was (or, not yet complete, would be at its deadline) completed.
  let previousEnd: Date | null = null;
  let projected: TierDeadline | null = null;
  steps.forEach((step, i) => {
    const previous = steps[i - 1];
    const previousDone = previous ? ctx.completedAt?.[previous.key] : undefined;
    const last = i === steps.length - 1;
    const counted = (anchor: Date) =>
      computeTierDeadline(protocol, stepAsTier(tier, step), {
        ...ctx,
        tierStartedAt: anchor,
        protectiveDeadline: last ? ctx.protectiveDeadline : null,
      });
    const fromPrevious = step.timescale.from === 'previous-step';
    const anchor = !fromPrevious ? ctx.tierStartedAt : previousDone ? new Date(previousDone) : null;
    let dueAt: Date | null;
    if (anchor) {
      const d = counted(anchor);
      dueAt = d.dueAt;
      const explanation = fromPrevious
        ? d.explanation.replace('from the start of this tier', `from the completion of "${previous.title}"`)
        : d.explanation;
      out.push({ key: step.key, startedAt: anchor.toISOString(), dueAt, explanation });
      projected = { dueAt, explanation };
    } else {
      out.push({
        key: step.key,
        startedAt: null,
        dueAt: null,
        explanation: `${step.title} (${step.clause}, "${step.timescale.asWritten}"): counted from when "${previous.title}" is complete, which it is not yet`,
      });
      const d = previousEnd ? counted(previousEnd) : null;
      dueAt = d?.dueAt ?? null;
      projected = d
        ? {
            dueAt,
            explanation: d.explanation.replace(
              'from the start of this tier',
              `from the deadline of "${previous.title}", not yet complete`,
            ),
          }
        : null;
    }
    const done = ctx.completedAt?.[step.key];
    previousEnd = done ? new Date(done) : dueAt;
  });
  const lastStep = steps[steps.length - 1];
  const lastCount = out[out.length - 1];
  const head = `${tier.title} (${tier.clause}, "${tier.timescale.asWritten}")`;
  const final = projected as TierDeadline | null;
  let whole: TierDeadline;
  if (lastCount?.dueAt) {
    whole = {
      dueAt: lastCount.dueAt,
      explanation: `${head}: due when its last step, "${lastStep.title}", is due: ${lastCount.explanation}`,
    };
  } else if (final?.dueAt) {
    whole = {
      dueAt: final.dueAt,
      explanation: `${head}: due when its last step, "${lastStep.title}", would be due if each step before it were completed at its own deadline: ${final.explanation}`,
    };
  } else {
    whole = { dueAt: null, explanation: `${head}: due when its last step, "${lastStep?.title}", is due` };
  }
  return { steps: out, tier: whole };
}

/** A step counted as a small tier: its own title, clause and timescale, from its own anchor. */
export function stepAsTier(tier: Tier, step: TierStep): Tier {
  return {
    ...tier,
    title: step.title,
    clause: step.clause,
    steps: undefined,
    timescale: { ...step.timescale, from: 'tier-start' },
  };
}
