/**
 * The worker process for the cost benchmark: services/worker/src/main.ts itself, with one change
 * made before it runs: every tier's deadline falls due BENCH_TIER_SECONDS after the tier began.
 *
 * Real protocols count working days, so one escalation climbing to its last tier takes weeks;
 * the benchmark needs it in a minute. The deadline activity still computes the real deadline
 * (the calendar's work is part of the cost); its answer is then compressed: the due instant
 * becomes tierStartedAt + BENCH_TIER_SECONDS, and each reminder keeps its place between the
 * tier's start and its deadline (a halfway reminder stays halfway). A tier without a deadline
 * keeps none. The workflow, its timers, breaches, reminders and notices are the real ones, so
 * the work per escalation is what a real escalation costs, only sooner.
 */
import type { ComputeDeadlineRequest } from '@resolve/contracts';

const deadlines =
  require('../../services/worker/src/activities/deadlines') as typeof import('../../services/worker/src/activities/deadlines');

const tierSeconds = Number(process.env.BENCH_TIER_SECONDS);
if (!Number.isFinite(tierSeconds) || tierSeconds <= 0)
  throw new Error(
    `BENCH_TIER_SECONDS must be a positive number of seconds, not '${process.env.BENCH_TIER_SECONDS}'`,
  );

const original = deadlines.createDeadlineActivities;
(deadlines as { createDeadlineActivities: typeof original }).createDeadlineActivities = (deps) => {
  const real = original(deps);
  return {
    async computeDeadline(request: ComputeDeadlineRequest) {
      const result = await real.computeDeadline(request);
      if (!result.dueAt) return result;
      const start = Date.parse(request.tierStartedAt);
      const realSpan = Date.parse(result.dueAt) - start;
      const compressed = (instant: string) =>
        new Date(
          start + (realSpan > 0 ? ((Date.parse(instant) - start) / realSpan) * tierSeconds * 1000 : 0),
        ).toISOString();
      return {
        ...result,
        dueAt: new Date(start + tierSeconds * 1000).toISOString(),
        reminders: result.reminders.map(compressed),
      };
    },
  };
};

require('../../services/worker/src/main');
