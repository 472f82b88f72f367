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
 *
 * For the 17:00 herd (bench/herd.ts --align worker), BENCH_HERD_AT (epoch milliseconds) stands
 * for the close of business: every tier that began before it falls due at that one instant, as
 * working-day deadlines do, and keeps no reminder (a halfway reminder would make a second herd of
 * its own before the instant, which is not what is measured); a tier that begins later (the next
 * tier, after the breach) is due BENCH_TIER_SECONDS after it began, out of the measurement.
 */
import type { ComputeDeadlineRequest } from '@resolve/contracts';

const deadlines =
  require('../../services/worker/src/activities/deadlines') as typeof import('../../services/worker/src/activities/deadlines');

const tierSeconds = Number(process.env.BENCH_TIER_SECONDS);
if (!Number.isFinite(tierSeconds) || tierSeconds <= 0)
  throw new Error(
    `BENCH_TIER_SECONDS must be a positive number of seconds, not '${process.env.BENCH_TIER_SECONDS}'`,
  );

const herdAt = process.env.BENCH_HERD_AT ? Number(process.env.BENCH_HERD_AT) : null;
if (herdAt !== null && !Number.isFinite(herdAt))
  throw new Error(
    `BENCH_HERD_AT must be an instant in epoch milliseconds, not '${process.env.BENCH_HERD_AT}'`,
  );

const original = deadlines.createDeadlineActivities;
(deadlines as { createDeadlineActivities: typeof original }).createDeadlineActivities = (deps) => {
  const real = original(deps);
  return {
    async computeDeadline(request: ComputeDeadlineRequest) {
      const result = await real.computeDeadline(request);
      if (!result.dueAt) return result;
      const start = Date.parse(request.tierStartedAt);
      if (herdAt !== null && start < herdAt)
        return { ...result, dueAt: new Date(herdAt).toISOString(), reminders: [] };
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
