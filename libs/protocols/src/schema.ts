import { z } from 'zod';

/**
 * The shape of a protocol file. A protocol is versioned data: the escalation workflow pins the
 * whole definition at start, so editing a file never changes a running case.
 *
 * Every ambiguity listed in shared/seeds/README.md is a setting here (see `counting`), so the
 * choice is visible in the file and documented in docs/protocols.md.
 */

export const NATIONS = ['england-and-wales', 'scotland', 'northern-ireland'] as const;

/** Roles acting inside an agency. Directory people hold these per agency. */
export const AGENCY_ROLES = [
  'practitioner',
  'line-manager', // line manager, supervisor, team manager, safeguarding supervisor
  'safeguarding-lead', // named / designated safeguarding lead, safeguarding advisor
  'service-manager',
  'senior-liaison-officer', // Lincolnshire SLO / "SLO or equivalent"
  'head-of-service',
  'board-member', // the agency's member of the partnership board (BSCB "Board Member", Sutton "LSCP member")
  'chief-executive', // Sutton 6: "the Chief Executive of the Council and the political leadership"
] as const;

/** Roles held for the whole partnership. */
export const PARTNERSHIP_ROLES = [
  'independent-chair',
  'business-manager',
  'quality-assurance-manager',
  'sub-group-chair',
  'senior-leadership-team',
  'safeguarding-manager', // Sutton 7.3: children's social care safeguarding manager
  'partnership-administrator', // administers the directory through the API; no part in cases
  'escalations-mailbox', // informed only: receives notices and the forms lodged with it, sees no case
] as const;

/**
 * Partnership roles told things without any part in cases: a holder receives the notices and
 * forms a protocol sends the role and opens exactly what was lodged with it, and no case
 * (docs/records-and-reports.md, "Lodged forms"). A protocol may not name one as acting.
 */
export const INFORMED_ONLY_PARTNERSHIP_ROLES = ['escalations-mailbox'] as const;

/**
 * Roles held in an agency that give no part in its cases (never named by a protocol's tiers):
 * the agency's administrator manages the agency's webhook endpoints (docs/integrations.md).
 */
export const AGENCY_ADMINISTRATION_ROLES = ['agency-administrator'] as const;
export type AgencyAdministrationRole = (typeof AGENCY_ADMINISTRATION_ROLES)[number];

export const RECORD_KINDS = [
  'acknowledgement',
  'plan-of-action',
  'log-entry', // Sefton Appendix 1: Agency Escalation Summary Log
  'report', // Sefton Appendix 2: Report to SSCP
  'monitoring-form', // BSCB monitoring form from stage 3
  'referral-form', // Sutton Appendix B
  'written-account', // Sutton 7.4 referral to the Independent Chair
  'meeting-record', // minutes of the chaired meeting / panel
  'decision', // final and binding decision
  'written-confirmation', // agreed outcome confirmed in writing between the parties
] as const;

const id = z
  .string()
  .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'must be lower-case words joined by hyphens, e.g. "sefton-sscp"');
const localTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a local time "HH:MM"');

/**
 * The instant a timescale counts from. `concern-identified`: when the concern was identified, if
 * the raise gives that instant (the clock may start before the raise), else the escalation's start.
 */
const timescaleFrom = z.enum(['tier-start', 'escalation-start', 'previous-deadline', 'concern-identified']);

/**
 * How long a tier has. `working-days` ends at close of business on the N-th working day after
 * the calendar day of the instant it counts from. `hours` written as "48 hours (2 working days)"
 * are encoded as working days, with `asWritten` keeping the document's words.
 */
export const timescaleSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('working-days'),
    amount: z.number().int().positive(),
    from: timescaleFrom,
    asWritten: z.string().min(1),
  }),
  z.object({
    kind: z.literal('working-hours'),
    amount: z.number().int().positive(),
    from: timescaleFrom,
    asWritten: z.string().min(1),
  }),
  /** "Immediately": the system enforces `enforcedWorkingDays` (0 = by close of business today). */
  z.object({
    kind: z.literal('immediately'),
    enforcedWorkingDays: z.number().int().min(0),
    /**
     * "Without delay" as a short alerting deadline: also due this many clock hours after the tier
     * starts, whichever is earlier. With `onBreach: alert-only` the lapse alerts and the tier waits
     * for a person to escalate.
     */
    enforcedClockHours: z.number().int().positive().optional(),
    asWritten: z.string().min(1),
  }),
  /** No timescale in the document: the tier waits for a human action; no breach. */
  z.object({ kind: z.literal('none'), asWritten: z.string().min(1) }),
  /**
   * Plain clock minutes, no calendar (no business hours, weekends or bank holidays). Only for the
   * `demo` protocol, so demonstrations and benchmarks see a whole escalation in minutes.
   */
  z.object({
    kind: z.literal('minutes'),
    amount: z.number().int().positive(),
    from: timescaleFrom,
    asWritten: z.string().min(1),
  }),
  /** Calendar days, weekends and bank holidays included: close of business on the N-th day after. */
  z.object({
    kind: z.literal('calendar-days'),
    amount: z.number().int().positive(),
    from: timescaleFrom,
    asWritten: z.string().min(1),
  }),
  /** Elapsed clock hours, day and night ("within 24 hours" read literally). */
  z.object({
    kind: z.literal('clock-hours'),
    amount: z.number().int().positive(),
    from: timescaleFrom,
    asWritten: z.string().min(1),
  }),
]);

/** How a tier is conducted when the document says so (Lincolnshire 001, section 117 aftercare). */
export const TIER_FORMATS = [
  'discussion',
  'line-manager-intervention',
  'multi-disciplinary-meeting',
] as const;

/**
 * The record kinds Resolve generates as a form from the case record (the others are the words
 * people record on actions), and so the kinds a protocol may lodge with a recipient.
 */
export const LODGEABLE_RECORD_KINDS = [
  'log-entry',
  'report',
  'monitoring-form',
  'referral-form',
  'decision',
] as const;

/**
 * When a form is lodged: on entering the tier that lists it, on that tier's outcome (the case
 * leaves the tier: escalated, or closed while there), or when the case closes, at any tier.
 */
export const LODGE_MOMENTS = ['tier-entered', 'tier-outcome', 'case-closed'] as const;

/** Who a form is lodged with: the holders of one partnership role, or of one agency role in each party agency. */
const lodgeRecipientSchema = z
  .object({
    partnershipRole: z.enum(PARTNERSHIP_ROLES).optional(),
    agencyRole: z.enum(AGENCY_ROLES).optional(),
  })
  .strict()
  .superRefine((r, ctx) => {
    if ((r.partnershipRole === undefined) === (r.agencyRole === undefined))
      ctx.addIssue({ code: 'custom', message: 'must name exactly one of partnershipRole or agencyRole' });
  });

const recordSchema = z.object({
  kind: z.enum(RECORD_KINDS),
  title: z.string().min(1),
  /** Where the document defines it, e.g. "Appendix 1". */
  ref: z.string().optional(),
  /** Who produces it: the acting roles of both sides, or a named role. */
  by: z.enum(['both-sides', 'raising-side', 'receiving-side', 'chair']).default('both-sides'),
  /**
   * The form is issued to a named recipient when the protocol says so ("Respective Heads of
   * Service should report to SSCP using the Report to SSCP"): generated from the case record at
   * that moment, kept as it was, and the recipient told through the notifier. Omitted: not lodged.
   */
  lodge: z
    .object({
      when: z.array(z.enum(LODGE_MOMENTS)).min(1),
      with: z.array(lodgeRecipientSchema).min(1),
    })
    .optional(),
});

const informSchema = z.object({
  partnershipRole: z.enum(PARTNERSHIP_ROLES),
  why: z.string().min(1),
});

/**
 * One of a tier's consecutive deadlines for different owners (a form issued within N days, the
 * reply within M days of the form). `from: previous-step` counts from the instant the step before
 * it was completed, so its due instant is known only then.
 */
const stepTimescaleSchema = z.object({
  kind: z.enum(['working-days', 'working-hours', 'calendar-days', 'clock-hours', 'minutes']),
  amount: z.number().int().positive(),
  from: z.enum(['tier-start', 'previous-step']),
  asWritten: z.string().min(1),
});

export const STEP_OWNER_SIDES = ['raising', 'receiving', 'partnership'] as const;

const tierStepSchema = z.object({
  key: id,
  title: z.string().min(1),
  /** Whose step it is: one side of the case (or the partnership), and the roles that complete it. */
  owner: z.object({
    side: z.enum(STEP_OWNER_SIDES),
    roles: z.array(z.enum([...AGENCY_ROLES, ...PARTNERSHIP_ROLES])).min(1),
  }),
  timescale: stepTimescaleSchema,
  /** What completes the step, in the document's words ("the referral form is issued"). */
  completedWhen: z.string().min(1),
  clause: z.string().min(1),
});

export const tierSchema = z.object({
  key: id,
  number: z.number().int().positive(),
  title: z.string().min(1),
  /** Roles acting on each side at this tier (first listed is the primary contact). */
  roles: z.object({
    raising: z.array(z.enum(AGENCY_ROLES)).min(1),
    receiving: z.array(z.enum(AGENCY_ROLES)).min(1),
  }),
  /** Partnership roles acting at this tier (e.g. the independent chair at the last step). */
  partnershipRoles: z.array(z.enum(PARTNERSHIP_ROLES)).default([]),
  /**
   * Roles the document names as standing in for the acting roles ("or equivalent", "or their
   * safeguarding supervisor"). They may take every action the acting roles may take here.
   */
  /**
   * The document says "their line manager" (Sefton and Lincolnshire step 2: "each professional
   * should discuss the issue with their line manager"): a line manager acts for a side only as
   * the own line manager of that side's professional (the raiser; the person the concern was
   * raised with) when the directory records one, not as any line manager of the agency.
   */
  ownLineManager: z.boolean().default(false),
  /**
   * A case may start at this tier, when raised by one of these roles (Sutton 7.3: a conference
   * chair starting at stage 2 or 3). Omitted: only tier 1, or the fast track under immediate risk.
   */
  entry: z.object({ roles: z.array(z.enum([...AGENCY_ROLES, ...PARTNERSHIP_ROLES])).min(1) }).optional(),
  /**
   * "A timescale that protects the child from harm": these roles may give the case a date of its
   * own, on the raise or later; the tier is then due at the earlier of that and its timescale.
   */
  protectiveDeadline: z
    .object({ setBy: z.array(z.enum([...AGENCY_ROLES, ...PARTNERSHIP_ROLES])).min(1) })
    .optional(),
  deputies: z
    .object({
      raising: z.array(z.enum(AGENCY_ROLES)).default([]),
      receiving: z.array(z.enum(AGENCY_ROLES)).default([]),
      partnership: z.array(z.enum(PARTNERSHIP_ROLES)).default([]),
    })
    .default({ raising: [], receiving: [], partnership: [] }),
  /**
   * Who agrees the tier's plan of action. `both-sides` ("a mutually agreed plan"): one side's
   * proposal stops nothing until the other side accepts it. A side: that side's plan stands.
   */
  planAgreedBy: z.enum(['both-sides', 'raising', 'receiving']).default('both-sides'),
  /** What the tier must achieve, in the document's terms. */
  expects: z.enum(['response', 'plan-of-action', 'meeting-date', 'decision', 'acknowledgement']),
  timescale: timescaleSchema,
  /**
   * Consecutive deadlines inside the tier, each owned by one side, with its own reminder and its
   * own overdue alert to its owner. The tier is due when its last step is due (its `timescale`
   * must then be `none`, keeping the document's overall words); completing the last step meets
   * the tier. Omitted: the tier has its one timescale.
   */
  steps: z.array(tierStepSchema).min(2).optional(),
  records: z.array(recordSchema).default([]),
  inform: z.array(informSchema).default([]),
  onBreach: z.enum(['advance-and-alert', 'alert-only']),
  /** A decision at this tier is final and binding. */
  final: z.boolean().default(false),
  /**
   * Who judges that the answer at this tier is unsatisfactory and escalates it (Sutton 7.3: "If
   * the outcome of these alternate steps fail to satisfy the concerned professional"), by side.
   * Omitted: the tier's acting roles of either agency. A missed deadline escalates as before.
   */
  escalatedBy: z
    .object({
      raising: z.array(z.enum(AGENCY_ROLES)).default([]),
      receiving: z.array(z.enum(AGENCY_ROLES)).default([]),
      partnership: z.array(z.enum(PARTNERSHIP_ROLES)).default([]),
    })
    .optional(),
  /** Which route of the final stage this tier is, when the protocol branches there. */
  route: z.string().optional(),
  /** Sutton 7.3 / BSCB stage 4: outcome options offered at this tier. */
  outcomes: z.array(id).default([]),
  /**
   * How the tier is conducted, when the document prescribes it (001: s117 aftercare). The plan of
   * action, or the meeting, that records the tier names one of these (`heldAs`), and is refused
   * naming them otherwise. Omitted: any format, or none.
   */
  conductedAs: z.array(z.enum(TIER_FORMATS)).optional(),
  clause: z.string().min(1),
});

const routeSchema = z.object({
  key: id,
  title: z.string().min(1),
  /**
   * Which escalations take this route when the step before fails: by the escalation's urgency,
   * or `any` when a person chooses at the step (BSCB: the Chair picks mediation or a panel).
   */
  when: z.enum(['urgent', 'non-urgent', 'any']),
  kind: z.enum(['chaired-meeting', 'learning-referral', 'mediation', 'resolution-panel', 'written-decision']),
  /** The learning referral's destination, e.g. "PPET sub-group". */
  subGroup: z.string().optional(),
  /** Resolution panel: number of member agencies, including those in dispute. */
  panelSize: z.number().int().positive().optional(),
  clause: z.string().min(1),
});

/**
 * A way a case may close other than resolved, decided, referred for learning or withdrawn, where
 * the document names one (Sutton 7.3: the designated safeguarding lead does not concur, so the
 * conference decision stands with the dissenting views noted). Each is recorded, with its
 * account, by the roles it names at the tiers it names; the case then closes with it.
 */
const closingOutcomeSchema = z.object({
  key: id,
  title: z.string().min(1),
  /** Who records it, by side: the case's two agencies' roles, or partnership roles. */
  recordedBy: z.object({
    raising: z.array(z.enum(AGENCY_ROLES)).default([]),
    receiving: z.array(z.enum(AGENCY_ROLES)).default([]),
    partnership: z.array(z.enum(PARTNERSHIP_ROLES)).default([]),
  }),
  /** The tier numbers at which it may be recorded. */
  atTiers: z.array(z.number().int().positive()).min(1),
  clause: z.string().min(1),
});

/**
 * Someone told at every stage without acting (a partnership's escalations mailbox, an agency's
 * safeguarding unit): the holders of one partnership role, or of one agency role in each of the
 * case's two agencies. A shared mailbox is a directory entry holding the role.
 */
const informedRecipientSchema = z
  .object({
    partnershipRole: z.enum(PARTNERSHIP_ROLES).optional(),
    agencyRole: z.enum(AGENCY_ROLES).optional(),
    why: z.string().min(1),
  })
  .superRefine((r, ctx) => {
    if ((r.partnershipRole === undefined) === (r.agencyRole === undefined))
      ctx.addIssue({ code: 'custom', message: 'must name exactly one of partnershipRole or agencyRole' });
  });

/** What a protocol may say about lodging forms and the informed-only roles, checked once here. */
function refineLodging(
  p: {
    tiers: {
      partnershipRoles: readonly string[];
      records: { kind: string; lodge?: unknown }[];
      deputies: { partnership: readonly string[] };
    }[];
    finalDecision: { by: string; appointedBy?: readonly string[] };
  },
  ctx: z.RefinementCtx,
): void {
  const informedOnly = INFORMED_ONLY_PARTNERSHIP_ROLES as readonly string[];
  p.tiers.forEach((t, i) => {
    t.records.forEach((r, j) => {
      if (r.lodge && !(LODGEABLE_RECORD_KINDS as readonly string[]).includes(r.kind))
        ctx.addIssue({
          code: 'custom',
          path: ['tiers', i, 'records', j, 'lodge'],
          message: `a "${r.kind}" is words people record, not a form Resolve generates: only ${LODGEABLE_RECORD_KINDS.join(', ')} can be lodged`,
        });
    });
    [...t.partnershipRoles, ...t.deputies.partnership].forEach((role) => {
      if (informedOnly.includes(role))
        ctx.addIssue({
          code: 'custom',
          path: ['tiers', i, 'partnershipRoles'],
          message: `"${role}" is informed only and cannot act at a tier`,
        });
    });
  });
  for (const role of [p.finalDecision.by, ...(p.finalDecision.appointedBy ?? [])])
    if (informedOnly.includes(role))
      ctx.addIssue({
        code: 'custom',
        path: ['finalDecision'],
        message: `"${role}" is informed only and cannot decide or appoint`,
      });
}

export const protocolSchema = z
  .object({
    id,
    version: z.number().int().positive(),
    title: z.string().min(1),
    partnership: z.object({ id, name: z.string().min(1) }),
    audience: z.enum(['children', 'adults', 'both']),
    nation: z.enum(NATIONS),
    timezone: z.literal('Europe/London'),
    businessHours: z.object({ start: localTime, end: localTime }),
    source: z.object({ document: z.string().min(1), sections: z.string().optional() }),
    channels: z.object({
      email: z.enum(['allowed', 'discouraged']),
      sms: z.enum(['allowed', 'not-allowed']),
      note: z.string().optional(),
    }),
    categories: z.array(z.object({ id, label: z.string().min(1) })).min(1),
    /** The settled ambiguities (shared/seeds/README.md), one setting each. */
    counting: z.object({
      /** "within N working days of X": close of business on the N-th working day after X's calendar day. */
      workingDayEnds: z.literal('close-of-business'),
      /** "48 hours (2 working days)": counted as working days, not clock hours. */
      hoursWrittenWithDays: z.enum(['as-working-days', 'as-clock-hours']),
      /** "a further N working days": counted from the previous tier's deadline or from this tier's start. */
      furtherDaysFrom: z.enum(['previous-deadline', 'tier-start']),
      /** "immediately": what the system enforces. */
      immediately: z.string().min(1),
      /**
       * The raise may say the concern was identified earlier (the clock may start before the
       * raise), at most this many working days before it. Omitted: the raise cannot say so.
       */
      identifiedAtNoEarlierThanWorkingDays: z.number().int().min(0).optional(),
    }),
    /** Resolution needs both sides' confirmation ("resolved to both agencies' satisfaction"). */
    resolutionNeedsBothSides: z.boolean(),
    reminders: z.object({
      halfway: z.boolean(),
      /** Local time on the due day for a morning reminder; omit for none. */
      morningOfDueDay: localTime.optional(),
    }),
    /** Before tier 1 (BSCB's pre-stage professional attempt); recorded, not timed. */
    preStage: z.object({ title: z.string().min(1), clause: z.string().min(1) }).optional(),
    tiers: z.array(tierSchema).min(1),
    /** How the last step branches; empty when it does not. */
    finalRoutes: z.array(routeSchema).default([]),
    /**
     * Who picks the branch of the last step. `urgency`: the system, from the case's urgency.
     * `people`: the acting roles of the step before choose when they escalate, and a lapse of
     * that step alerts them instead of choosing for them (Lincolnshire step 4: the SLOs choose
     * the urgent chaired meeting, 4a, or the learning referral, 4b).
     */
    finalRouteChosenBy: z.enum(['urgency', 'people']).default('urgency'),
    /**
     * Who decides whether the case is urgent, by side (Lincolnshire step 4: "Urgent resolution
     * required" is the Senior Liaison Officers' judgement). Their decision, recorded on the case
     * with a reason, picks the last step's route where urgency picks it, and is a thing apart from
     * immediate risk (the fast track). Omitted: nobody decides; urgency follows immediate risk.
     */
    urgencyDecidedBy: z
      .object({
        raising: z.array(z.enum(AGENCY_ROLES)).default([]),
        receiving: z.array(z.enum(AGENCY_ROLES)).default([]),
        partnership: z.array(z.enum(PARTNERSHIP_ROLES)).default([]),
        clause: z.string().min(1),
      })
      .optional(),
    /** Immediate risk of harm. */
    fastTrack: z.object({
      /** Tier number an immediate-risk escalation jumps to (1 = no skip). */
      startAtTier: z.number().int().positive(),
      /** Working days each remaining timed tier gets (the shortened timescale). */
      workingDaysPerTier: z.number().int().min(0),
      /** Minutes each remaining `minutes` tier gets under immediate risk (demo protocol only). */
      minutesPerTier: z.number().int().positive().optional(),
      clause: z.string().min(1),
    }),
    extensions: z.object({
      allowed: z.boolean(),
      proposedBy: z.enum(['receiving', 'either']),
      agreedBy: z.enum(['raising', 'other-side']),
      clause: z.string().optional(),
    }),
    finalDecision: z.object({
      by: z.enum(PARTNERSHIP_ROLES),
      /**
       * The chair of a case is appointed on the case by these partnership roles (Sefton: "an
       * independent chair selected from the SSCP Senior Leadership Team"), and only the person
       * appointed records the decision. Omitted: any holder of `by` in the partnership decides.
       */
      appointedBy: z.array(z.enum(PARTNERSHIP_ROLES)).optional(),
      /** Deadline to communicate the decision to all, counted from the decision tier's start. */
      communicateWithinWorkingDays: z.number().int().min(0).optional(),
      clause: z.string().min(1),
    }),
    learning: z.object({
      subGroup: z.string().min(1),
      clause: z.string().min(1),
    }),
    /** Who must be informed from a given tier number on (e.g. BSCB business manager from stage 3). */
    escalationScope: z.string().optional(),
    /** Named ways a case may close besides resolved and decided (see closingOutcomeSchema). */
    closingOutcomes: z.array(closingOutcomeSchema).default([]),
    /**
     * Told at every stage, without acting: when the case is raised, at each tier it enters and
     * when it closes (an early resolution included).
     */
    informedAtEveryStage: z.array(informedRecipientSchema).default([]),
    notes: z.array(z.string()).default([]),
  })
  .superRefine((p, ctx) => {
    refineLodging(p, ctx);
    // Tiers run 1, 2, 3... Alternative routes of one step (Lincolnshire step 4a/4b) share a
    // number and each carries a distinct `route`.
    let expected = 1;
    p.tiers.forEach((t, i) => {
      const prev = p.tiers[i - 1];
      if (prev && t.number === prev.number) {
        if (!t.route || !prev.route) {
          ctx.addIssue({
            code: 'custom',
            path: ['tiers', i, 'route'],
            message: `tiers sharing number ${t.number} must each name a route`,
          });
        }
        return;
      }
      if (t.number !== expected) {
        ctx.addIssue({
          code: 'custom',
          path: ['tiers', i, 'number'],
          message: `tier numbers must run 1, 2, 3... in order; expected ${expected}, got ${t.number}`,
        });
      }
      expected = t.number + 1;
    });
    const keys = new Set<string>();
    p.tiers.forEach((t, i) => {
      if (keys.has(t.key))
        ctx.addIssue({ code: 'custom', path: ['tiers', i, 'key'], message: `duplicate tier key "${t.key}"` });
      keys.add(t.key);
    });
    if (p.urgencyDecidedBy) {
      const { raising, receiving, partnership } = p.urgencyDecidedBy;
      if (raising.length + receiving.length + partnership.length === 0)
        ctx.addIssue({
          code: 'custom',
          path: ['urgencyDecidedBy'],
          message: 'must name at least one role that decides urgency',
        });
    }
    const last = p.tiers.length ? p.tiers[p.tiers.length - 1].number : 0;
    if (p.fastTrack.startAtTier > last) {
      ctx.addIssue({
        code: 'custom',
        path: ['fastTrack', 'startAtTier'],
        message: `must be a tier number between 1 and ${last}`,
      });
    }
    const outcomeKeys = new Set<string>();
    p.closingOutcomes.forEach((o, i) => {
      if (outcomeKeys.has(o.key))
        ctx.addIssue({
          code: 'custom',
          path: ['closingOutcomes', i, 'key'],
          message: `duplicate outcome "${o.key}"`,
        });
      outcomeKeys.add(o.key);
      o.atTiers.forEach((n, j) => {
        if (!p.tiers.some((t) => t.number === n))
          ctx.addIssue({
            code: 'custom',
            path: ['closingOutcomes', i, 'atTiers', j],
            message: `must be a tier number of this protocol; there is no tier ${n}`,
          });
      });
      const { raising, receiving, partnership } = o.recordedBy;
      if (raising.length + receiving.length + partnership.length === 0)
        ctx.addIssue({
          code: 'custom',
          path: ['closingOutcomes', i, 'recordedBy'],
          message: 'must name at least one role that records it',
        });
    });
    p.tiers.forEach((t, i) => {
      if (!t.steps) return;
      if (t.timescale.kind !== 'none')
        ctx.addIssue({
          code: 'custom',
          path: ['tiers', i, 'timescale', 'kind'],
          message: 'a tier with steps is due when its last step is due: its timescale must be "none"',
        });
      const stepKeys = new Set<string>();
      t.steps.forEach((step, j) => {
        if (stepKeys.has(step.key))
          ctx.addIssue({
            code: 'custom',
            path: ['tiers', i, 'steps', j, 'key'],
            message: `duplicate step key "${step.key}"`,
          });
        stepKeys.add(step.key);
        if (j === 0 && step.timescale.from === 'previous-step')
          ctx.addIssue({
            code: 'custom',
            path: ['tiers', i, 'steps', j, 'timescale', 'from'],
            message: 'the first step has no step before it: count it from "tier-start"',
          });
        const partnership = step.owner.side === 'partnership';
        step.owner.roles.forEach((role, k) => {
          const isPartnershipRole = (PARTNERSHIP_ROLES as readonly string[]).includes(role);
          if (isPartnershipRole !== partnership)
            ctx.addIssue({
              code: 'custom',
              path: ['tiers', i, 'steps', j, 'owner', 'roles', k],
              message: partnership
                ? `"${role}" is an agency role; a partnership step names partnership roles`
                : `"${role}" is a partnership role; a ${step.owner.side} step names agency roles`,
            });
        });
      });
    });
    p.tiers.forEach((t, i) => {
      if (t.route && !p.finalRoutes.some((r) => r.key === t.route)) {
        ctx.addIssue({
          code: 'custom',
          path: ['tiers', i, 'route'],
          message: `names route "${t.route}", which is not in finalRoutes`,
        });
      }
    });
  });

export type Protocol = z.infer<typeof protocolSchema>;
export type ProtocolInput = z.input<typeof protocolSchema>;
export type Tier = z.infer<typeof tierSchema>;
export type Timescale = z.infer<typeof timescaleSchema>;
export type AgencyRole = (typeof AGENCY_ROLES)[number];
export type PartnershipRole = (typeof PARTNERSHIP_ROLES)[number];
export type RecordKind = (typeof RECORD_KINDS)[number];
export type LodgeableRecordKind = (typeof LODGEABLE_RECORD_KINDS)[number];
export type LodgeMoment = (typeof LODGE_MOMENTS)[number];
export type TierFormat = (typeof TIER_FORMATS)[number];
export type TierStep = NonNullable<Tier['steps']>[number];
export type FinalRoute = Protocol['finalRoutes'][number];
export type ClosingOutcome = Protocol['closingOutcomes'][number];
