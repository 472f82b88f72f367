import { DEFAULT_HOLIDAYS, type HolidaySet } from '@resolve/calendar';
import type { ComputeDeadlineRequest } from '@resolve/contracts';
import type { DeadlineResult } from '@resolve/domain';
import {
  computeStepDeadlines,
  computeTierDeadline,
  stepAsTier,
  tierReminderInstants,
} from '@resolve/protocols';

/**
 * Deadlines are computed here, in an activity, rather than in the workflow: the result is
 * recorded in the workflow's history, so replays never depend on today's bank-holiday data,
 * and a change to that data reaches running cases only through an explicit recomputation.
 */
export function createDeadlineActivities(deps: { holidays?: HolidaySet | (() => HolidaySet) } = {}) {
  const current = () =>
    typeof deps.holidays === 'function' ? deps.holidays() : (deps.holidays ?? DEFAULT_HOLIDAYS);
  return {
    async computeDeadline(request: ComputeDeadlineRequest): Promise<DeadlineResult> {
      const holidays = current();
      const { protocol } = request;
      const tier = protocol.tiers.find((t) => t.key === request.tierKey);
      if (!tier) throw new Error(`protocol ${protocol.id} has no tier "${request.tierKey}"`);
      const context = {
        escalationStartedAt: new Date(request.escalationStartedAt),
        tierStartedAt: new Date(request.tierStartedAt),
        previousDeadline: request.previousDeadline ? new Date(request.previousDeadline) : null,
        immediateRisk: request.immediateRisk,
        concernIdentifiedAt: request.concernIdentifiedAt ? new Date(request.concernIdentifiedAt) : null,
        protectiveDeadline: request.protectiveDeadline ? new Date(request.protectiveDeadline) : null,
        holidays,
      };
      if (tier.steps) {
        // Consecutive deadlines: each step has its own due instant and reminders; the tier is
        // due with its last step, whose reminders are the step's (none of the tier's own).
        const counted = computeStepDeadlines(protocol, tier, {
          ...context,
          completedAt: request.stepsCompletedAt,
        });
        return {
          tierKey: tier.key,
          dueAt: counted.tier.dueAt ? counted.tier.dueAt.toISOString() : null,
          explanation: counted.tier.explanation,
          reminders: [],
          calendarVersion: holidays.version,
          steps: counted.steps.map((s, i) => ({
            key: s.key,
            startedAt: s.startedAt,
            dueAt: s.dueAt ? s.dueAt.toISOString() : null,
            explanation: s.explanation,
            reminders:
              s.dueAt && s.startedAt
                ? tierReminderInstants(
                    protocol,
                    stepAsTier(tier, tier.steps![i]),
                    new Date(s.startedAt),
                    s.dueAt,
                    holidays,
                  )
                : [],
          })),
        };
      }
      const { dueAt, explanation } = computeTierDeadline(protocol, tier, context);
      const reminders = dueAt
        ? tierReminderInstants(protocol, tier, new Date(request.tierStartedAt), dueAt, holidays)
        : [];
      return {
        tierKey: tier.key,
        dueAt: dueAt ? dueAt.toISOString() : null,
        explanation,
        reminders,
        calendarVersion: holidays.version,
      };
    },
  };
}
