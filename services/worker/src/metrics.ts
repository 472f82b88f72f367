import { Context } from '@temporalio/activity';
import type { MetricMeter } from '@temporalio/common';
import type { TelemetryOptions } from '@temporalio/worker';
import type { EscalationActivities } from '@resolve/contracts';
import type { EscalationState } from '@resolve/domain';
import type { EscalationProjectionRepository } from '@resolve/persistence';

/**
 * The escalation worker's own metrics, exported with the SDK's (task latencies, schedule-to-start,
 * sticky cache...) by the Temporal Runtime's Prometheus exporter: one scrape target per worker.
 *
 * - `resolve_deadline_breaches{protocol,tier}`: tier deadlines that passed unmet.
 * - `resolve_deadline_to_alert_delay{protocol}` (ms histogram): from the due instant to the
 *   moment the breach's alerts had been handed to the notifier. Measured when the workflow
 *   records its projection after a breach: the workflow carries out its queued effects (the
 *   breach notifications included) before it projects, so this covers timer lateness, worker
 *   backlog and notifier delivery (including retries while the notifier is down).
 */
export const WORKER_METRIC_NAMES = {
  breaches: 'resolve_deadline_breaches',
  deadlineToAlert: 'resolve_deadline_to_alert_delay',
} as const;

/** Bucket bounds of the delay histogram, ms: 1 s to 1 day. */
export const DEADLINE_TO_ALERT_BUCKETS_MS = [
  1_000, 5_000, 15_000, 30_000, 60_000, 120_000, 300_000, 900_000, 3_600_000, 86_400_000,
];

/** Runtime.install's telemetry for a worker process: Prometheus on `bindAddress` (host:port). */
export function workerTelemetryOptions(bindAddress: string): TelemetryOptions {
  return {
    metrics: {
      prometheus: {
        bindAddress,
        histogramBucketOverrides: { [WORKER_METRIC_NAMES.deadlineToAlert]: DEADLINE_TO_ALERT_BUCKETS_MS },
      },
    },
  };
}

/** Breach entries of the timeline after `previousSeq` (the last projected entry). */
export function breachesAfter(state: EscalationState, previousSeq: number) {
  return state.timeline.filter((e) => e.seq > previousSeq && e.type === 'deadline-breached');
}

export function recordBreaches(
  meter: MetricMeter,
  state: EscalationState,
  previousSeq: number,
  now: Date,
): number {
  const fresh = breachesAfter(state, previousSeq);
  if (fresh.length === 0) return 0;
  const counter = meter.createCounter(WORKER_METRIC_NAMES.breaches, '1', 'Tier deadlines that passed unmet');
  const delay = meter.createHistogram(
    WORKER_METRIC_NAMES.deadlineToAlert,
    'int',
    'ms',
    "From a deadline's due instant to its breach alerts handed to the notifier",
  );
  for (const e of fresh) {
    counter.add(1, { protocol: state.protocolId, tier: e.tier });
    const due = typeof e.detail.dueAt === 'string' ? Date.parse(e.detail.dueAt) : NaN;
    if (!Number.isNaN(due)) delay.record(Math.max(0, now.getTime() - due), { protocol: state.protocolId });
  }
  return fresh.length;
}

/**
 * The worker's activities with breach metrics around recordProjection. Which breaches are new is
 * read from Postgres (the escalation row's projected timeline length) before projecting, so a
 * retried or repeated projection never counts a breach twice, whichever worker runs it.
 */
export function instrumentEscalationActivities(
  activities: EscalationActivities,
  deps: {
    projections: Pick<EscalationProjectionRepository, 'projectedSeq'>;
    meter?: () => MetricMeter;
    clock?: () => Date;
  },
): EscalationActivities {
  const meter = deps.meter ?? (() => Context.current().metricMeter);
  const clock = deps.clock ?? (() => new Date());
  return {
    ...activities,
    async recordProjection(state) {
      if (state.breaches === 0) return activities.recordProjection(state);
      const previousSeq = await deps.projections.projectedSeq(state.escalationId);
      await activities.recordProjection(state);
      recordBreaches(meter(), state, previousSeq, clock());
    },
  };
}
