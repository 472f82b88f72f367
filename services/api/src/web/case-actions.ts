import { localInstant } from '@resolve/calendar';
import type { ActionKind } from '@resolve/domain';
import type { Caller } from '../auth/caller';
import type { EscalationCommandsService } from '../escalations/escalation-commands.service';
import { IMMEDIATE_RISK_REMINDER } from '../escalations/escalation-commands.service';

/** A field of an action's form. Dates are GOV.UK date inputs (day, month, year) with a time. */
export type ActionField =
  | { type: 'textarea'; name: string; label: string; hint?: string; required?: boolean }
  | { type: 'date'; name: string; label: string; hint?: string; required?: boolean; time?: string }
  | {
      type: 'radios';
      name: string;
      label: string;
      options:
        | 'meeting-kinds'
        | 'outcomes'
        | 'chairs'
        | 'open-items'
        | 'routes'
        | 'closing-outcomes'
        | 'tier-formats'
        | 'urgency'
        | 'open-steps';
    }
  | { type: 'checkbox'; name: string; label: string }
  | { type: 'plan-items' };

/** One action a person can take on a case, as a page: its form, its check page and its command. */
export interface ActionPage {
  kind: ActionKind;
  title: string;
  /** Said on the page above the form: what the action does. */
  lead: string;
  button: string;
  fields: ActionField[];
  warning?: string;
}

const reason = (label = 'Reason (optional)', hint?: string): ActionField => ({
  type: 'textarea',
  name: 'reason',
  label,
  hint: hint ?? 'Kept in the case record only. Do not include details that the other agency should not see.',
});

export const ACTION_PAGES: Record<ActionKind, ActionPage> = {
  acknowledge: {
    kind: 'acknowledge',
    title: 'Acknowledge the escalation',
    lead: 'Tell the other agency you have received the disagreement and will work on it at this step.',
    button: 'Continue',
    fields: [
      reason('Comments (optional)'),
      {
        type: 'date',
        name: 'resolveBy',
        label: 'Timescale for resolution (optional)',
        hint: "Only where the step's chair sets the timescale, for example 30 6 2026",
        time: '17:00',
      },
    ],
  },
  respond: {
    kind: 'respond',
    title: 'Respond to the escalation',
    lead: "Give your agency's response to the concern at this step.",
    button: 'Continue',
    fields: [reason('Your response', 'Kept in the case record only.')],
  },
  'agree-plan': {
    kind: 'agree-plan',
    title: 'Propose or agree a plan of action',
    lead: 'Say who will do what, and by when. Under the protocol the other side then agrees the plan.',
    button: 'Continue',
    fields: [
      { type: 'plan-items' },
      // Shown only where the step names how it is held (conductedAs: Lincolnshire s117 aftercare).
      { type: 'radios', name: 'heldAs', label: 'How was this step held?', options: 'tier-formats' },
      reason('Comments (optional)'),
    ],
  },
  'accept-plan': {
    kind: 'accept-plan',
    title: 'Agree the proposed plan of action',
    lead: "Agree the other agency's proposed plan. It then becomes the mutually agreed plan.",
    button: 'Continue',
    fields: [reason('Comments (optional)')],
  },
  'complete-plan-item': {
    kind: 'complete-plan-item',
    title: 'Mark a plan item as done',
    lead: 'Record that an item of the agreed plan has been done.',
    button: 'Continue',
    fields: [
      { type: 'radios', name: 'itemId', label: 'Which item is done?', options: 'open-items' },
      reason(),
    ],
  },
  'complete-step': {
    kind: 'complete-step',
    title: 'Record a step as done',
    lead: "Record that your side has done its step at this stage (for example, the form is issued or the reply is sent). The next step's deadline is counted from now.",
    button: 'Continue',
    fields: [
      { type: 'radios', name: 'stepKey', label: 'Which step is done?', options: 'open-steps' },
      reason('Comments (optional)'),
    ],
  },
  resolve: {
    kind: 'resolve',
    title: 'Confirm the disagreement is resolved',
    lead: "Confirm that the disagreement is resolved to your agency's satisfaction. Where the protocol asks for both agencies, the case closes when both have confirmed.",
    button: 'Continue',
    fields: [
      reason('How was it resolved?'),
      { type: 'checkbox', name: 'referLearning', label: "Refer the learning to the partnership's sub-group" },
    ],
  },
  escalate: {
    kind: 'escalate',
    title: 'Escalate to the next step',
    lead: 'Move the disagreement to the next step of the protocol now. The protocol asks for a reason.',
    button: 'Continue',
    fields: [
      { ...reason('Why are you escalating?'), required: true } as ActionField,
      // Shown only where the protocol leaves the next step's route to people (Lincolnshire step 4).
      { type: 'radios', name: 'route', label: 'Which next step?', options: 'routes' },
    ],
  },
  'flag-immediate-risk': {
    kind: 'flag-immediate-risk',
    title: 'Flag immediate risk',
    lead: "The protocol's fast track applies: shorter timescales at each step.",
    button: 'Continue',
    warning: IMMEDIATE_RISK_REMINDER,
    fields: [reason('What has changed?')],
  },
  'propose-extension': {
    kind: 'propose-extension',
    title: 'Propose a longer timescale',
    lead: 'Propose a new deadline for this step. The other agency accepts or declines it.',
    button: 'Continue',
    fields: [
      {
        type: 'date',
        name: 'dueAt',
        label: 'New deadline',
        hint: 'For example 30 6 2026',
        required: true,
        time: '17:00',
      },
      reason('Why is more time needed?'),
    ],
  },
  'accept-extension': {
    kind: 'accept-extension',
    title: 'Accept the proposed timescale',
    lead: "Accept the other agency's proposed new deadline for this step.",
    button: 'Continue',
    fields: [reason()],
  },
  'decline-extension': {
    kind: 'decline-extension',
    title: 'Decline the proposed timescale',
    lead: 'Decline the proposed new deadline: the current deadline stands.',
    button: 'Continue',
    fields: [reason()],
  },
  'schedule-meeting': {
    kind: 'schedule-meeting',
    title: 'Schedule a meeting',
    lead: 'Arrange the meeting this step of the protocol asks for.',
    button: 'Continue',
    fields: [
      { type: 'radios', name: 'meetingKind', label: 'What kind of meeting?', options: 'meeting-kinds' },
      { type: 'radios', name: 'heldAs', label: 'How is this step held?', options: 'tier-formats' },
      {
        type: 'date',
        name: 'at',
        label: 'Date of the meeting',
        hint: 'For example 30 6 2026',
        required: true,
        time: '10:00',
      },
      reason('Notes (optional)'),
    ],
  },
  'record-decision': {
    kind: 'record-decision',
    title: 'Record the final decision',
    lead: 'Record the decision of this step. Under the protocol it is final and binding.',
    button: 'Continue',
    fields: [
      { type: 'radios', name: 'outcome', label: 'Outcome', options: 'outcomes' },
      {
        type: 'textarea',
        name: 'decision',
        label: 'The decision',
        required: true,
        hint: 'Kept in the case record only.',
      },
      { type: 'checkbox', name: 'referLearning', label: "Refer the learning to the partnership's sub-group" },
    ],
  },
  'refer-learning': {
    kind: 'refer-learning',
    title: 'Refer the learning',
    lead: "Refer what this case teaches to the partnership's learning sub-group.",
    button: 'Continue',
    fields: [reason('What should be learned?')],
  },
  'appoint-chair': {
    kind: 'appoint-chair',
    title: 'Appoint the chair',
    lead: "Appoint the person who chairs this case's final step.",
    button: 'Continue',
    fields: [
      { type: 'radios', name: 'chairPersonId', label: 'Who will chair?', options: 'chairs' },
      reason(),
    ],
  },
  'set-protective-deadline': {
    kind: 'set-protective-deadline',
    title: 'Set a timescale that protects the child',
    lead: "Set or change the date by which this case must be settled to protect the child from harm. The step is then due at the earlier of this date and the protocol's own timescale.",
    button: 'Continue',
    fields: [
      {
        type: 'date',
        name: 'dueAt',
        label: 'Protective timescale',
        hint: 'For example 30 6 2026',
        required: true,
        time: '17:00',
      },
      { ...reason('Why is this timescale needed?'), required: true } as ActionField,
    ],
  },
  'record-outcome': {
    kind: 'record-outcome',
    title: 'Close with an outcome the protocol names',
    lead: 'Record how the disagreement ends, where the protocol names that ending for your role at this step. The case then closes.',
    button: 'Continue',
    fields: [
      { type: 'radios', name: 'outcome', label: 'Which outcome?', options: 'closing-outcomes' },
      {
        type: 'textarea',
        name: 'reason',
        label: 'What was decided, and why',
        required: true,
        hint: 'Kept in the case record only. It is the record of this outcome.',
      },
    ],
  },
  'decide-urgency': {
    kind: 'decide-urgency',
    title: 'Decide whether the case is urgent',
    lead: 'Record your judgement of whether urgent resolution is required. Under the protocol it decides the last step: an urgent independently chaired meeting, or a referral of the learning. Immediate risk is flagged separately.',
    button: 'Continue',
    fields: [
      { type: 'radios', name: 'urgent', label: 'Whether urgent resolution is required', options: 'urgency' },
      { ...reason('Why you decided this'), required: true } as ActionField,
    ],
  },
  withdraw: {
    kind: 'withdraw',
    title: 'Withdraw the escalation',
    lead: 'Withdraw the disagreement. The case closes and nobody can act on it afterwards.',
    button: 'Continue',
    fields: [reason('Why are you withdrawing it?')],
  },
  'add-note': {
    kind: 'add-note',
    title: 'Add a note',
    lead: 'Add a note to the case record. Everyone who can see the case can read it.',
    button: 'Continue',
    fields: [{ type: 'textarea', name: 'text', label: 'Note', required: true }],
  },
};

export const isActionKind = (value: string): value is ActionKind => Object.hasOwn(ACTION_PAGES, value);

export const PLAN_ROWS = 3;
const MAX_TEXT = 10_000;

export interface FieldError {
  name: string;
  text: string;
}

/** A form's answers as sent (strings), and what is wrong with them before the engine is asked. */
export function checkAnswers(page: ActionPage, form: Record<string, unknown>) {
  const values: Record<string, string> = {};
  const errors: FieldError[] = [];
  const text = (name: string) => (typeof form[name] === 'string' ? (form[name] as string).trim() : '');
  for (const field of page.fields) {
    if (field.type === 'textarea') {
      values[field.name] = text(field.name);
      if (field.required && !values[field.name])
        errors.push({ name: field.name, text: `Enter ${field.label.toLowerCase()}` });
      if (values[field.name].length > MAX_TEXT)
        errors.push({ name: field.name, text: `${field.label} must be ${MAX_TEXT} characters or fewer` });
    } else if (field.type === 'date') {
      const parts = ['day', 'month', 'year', 'time'].map((p) => text(`${field.name}-${p}`));
      parts.forEach((v, i) => (values[`${field.name}-${['day', 'month', 'year', 'time'][i]}`] = v));
      const given = parts.slice(0, 3).some(Boolean);
      if (!given) {
        if (field.required)
          errors.push({ name: `${field.name}-day`, text: `Enter ${field.label.toLowerCase()}` });
        continue;
      }
      const instant = instantOf(parts[0], parts[1], parts[2], parts[3] || field.time || '17:00');
      if (!instant)
        errors.push({
          name: `${field.name}-day`,
          text: `${field.label} must be a real date, and the time like 17:00`,
        });
      else values[field.name] = instant;
    } else if (field.type === 'radios') {
      values[field.name] = text(field.name);
      // Outcomes are optional; a route is asked for only where the protocol offers a choice,
      // and the engine names the choices if one is missing.
      if (
        !values[field.name] &&
        field.options !== 'outcomes' &&
        field.options !== 'routes' &&
        field.options !== 'tier-formats'
      )
        errors.push({ name: field.name, text: `Select ${field.label.replace(/\?$/, '').toLowerCase()}` });
    } else if (field.type === 'checkbox') {
      values[field.name] = text(field.name) === 'yes' ? 'yes' : '';
    } else {
      let rows = 0;
      for (let i = 0; i < PLAN_ROWS; i++) {
        const what = text(`item${i}-what`);
        const owner = text(`item${i}-owner`);
        const due = ['day', 'month', 'year'].map((p) => text(`item${i}-due-${p}`));
        values[`item${i}-what`] = what;
        values[`item${i}-owner`] = owner;
        ['day', 'month', 'year'].forEach((p, j) => (values[`item${i}-due-${p}`] = due[j]));
        if (!what && !due.some(Boolean)) continue;
        rows++;
        if (!what) errors.push({ name: `item${i}-what`, text: `Enter what will be done in item ${i + 1}` });
        if (what.length > 2000)
          errors.push({ name: `item${i}-what`, text: `Item ${i + 1} must be 2000 characters or fewer` });
        if (!owner) errors.push({ name: `item${i}-owner`, text: `Select who owns item ${i + 1}` });
        const dueAt = instantOf(due[0], due[1], due[2], '17:00');
        if (!dueAt)
          errors.push({ name: `item${i}-due-day`, text: `Item ${i + 1}'s date must be a real date` });
        else values[`item${i}-dueAt`] = dueAt;
      }
      if (rows === 0) errors.push({ name: 'item0-what', text: 'Enter at least one item of the plan' });
    }
  }
  return { values, errors };
}

/** An instant from a date in parts and a time of day, in Europe/London; null unless real. */
export function instantOf(day: string, month: string, year: string, time: string): string | null {
  if (!/^\d{1,2}$/.test(day) || !/^\d{1,2}$/.test(month) || !/^\d{4}$/.test(year)) return null;
  if (!/^([01]?\d|2[0-3]):[0-5]\d$/.test(time)) return null;
  const date = `${year}-${month.padStart(2, '0')}-${day.padStart(2, '0')}`;
  try {
    return localInstant(date, time.padStart(5, '0')).toISOString();
  } catch {
    return null;
  }
}

/** The command behind each action, called as the JSON API's controller calls it. */
export function runAction(
  commands: EscalationCommandsService,
  caller: Caller,
  id: string,
  kind: ActionKind,
  values: Record<string, string>,
  idempotencyKey: string,
) {
  const text = values.reason || undefined;
  const options = { idempotencyKey };
  switch (kind) {
    case 'agree-plan': {
      const items = [];
      for (let i = 0; i < PLAN_ROWS; i++)
        if (values[`item${i}-what`])
          items.push({
            what: values[`item${i}-what`],
            ownerAgencyId: values[`item${i}-owner`],
            dueAt: values[`item${i}-dueAt`],
          });
      return commands.agreePlan(
        caller,
        id,
        { reason: text, items, ...(values.heldAs ? { heldAs: values.heldAs } : {}) },
        options,
      );
    }
    case 'appoint-chair':
      return commands.appointChair(
        caller,
        id,
        { chairPersonId: values.chairPersonId, reason: text },
        options,
      );
    case 'acknowledge':
      return commands.act(
        caller,
        id,
        kind,
        { text, args: values.resolveBy ? { resolveBy: values.resolveBy } : {} },
        options,
      );
    case 'complete-plan-item':
      return commands.act(caller, id, kind, { text, args: { itemId: values.itemId } }, options);
    case 'complete-step':
      return commands.act(caller, id, kind, { text, args: { stepKey: values.stepKey } }, options);
    case 'resolve':
      return commands.act(
        caller,
        id,
        kind,
        { text, args: { referLearning: values.referLearning === 'yes' } },
        options,
      );
    case 'escalate':
      // The reason stays in Postgres; the engine learns only that one was given.
      return commands.act(
        caller,
        id,
        kind,
        { text, args: { reasonGiven: Boolean(text), ...(values.route ? { route: values.route } : {}) } },
        options,
      );
    case 'propose-extension':
      return commands.act(caller, id, kind, { text, args: { dueAt: values.dueAt } }, options);
    case 'record-outcome':
      return commands.act(
        caller,
        id,
        kind,
        { text, args: { outcome: values.outcome, accountGiven: Boolean(text) } },
        options,
      );
    case 'set-protective-deadline':
      return commands.act(
        caller,
        id,
        kind,
        { text, args: { dueAt: values.dueAt, reasonGiven: Boolean(text) } },
        options,
      );
    case 'schedule-meeting':
      return commands.act(
        caller,
        id,
        kind,
        {
          text,
          args: {
            meetingKind: values.meetingKind,
            at: values.at,
            ...(values.heldAs ? { heldAs: values.heldAs } : {}),
          },
        },
        { ...options, prefer: 'partnership' },
      );
    case 'record-decision':
      return commands.act(
        caller,
        id,
        kind,
        {
          text: values.decision,
          args: {
            ...(values.outcome ? { outcome: values.outcome } : {}),
            referLearning: values.referLearning === 'yes',
          },
        },
        options,
      );
    case 'decide-urgency':
      // The reason stays in Postgres; the engine learns only that one was given.
      return commands.act(
        caller,
        id,
        kind,
        { text, args: { urgent: values.urgent === 'yes', reasonGiven: Boolean(text) } },
        options,
      );
    case 'add-note':
      return commands.act(caller, id, kind, { text: values.text }, options);
    default:
      return commands.act(caller, id, kind, { text }, options);
  }
}

export const MEETING_KINDS = [
  { value: 'chaired-meeting', text: 'Chaired meeting' },
  { value: 'mediation', text: 'Mediation' },
  { value: 'resolution-panel', text: 'Resolution panel' },
  { value: 'professionals-meeting', text: "Professionals' meeting" },
  { value: 'review-conference', text: 'Review conference' },
];
