import type { MetricMeter, MetricTags } from '@temporalio/common';
import type { EscalationActivities } from '@resolve/contracts';
import type { EscalationState, TimelineEntry } from '@resolve/domain';
import {
  instrumentEscalationActivities,
  recordBreaches,
  WORKER_METRIC_NAMES,
  workerTelemetryOptions,
} from './metrics';

/** A MetricMeter that remembers what was recorded. */
function recordingMeter() {
  const recorded: { name: string; value: number; tags: MetricTags }[] = [];
  const metric = (name: string) => ({
    name,
    add: (value: number, tags: MetricTags = {}) => recorded.push({ name, value, tags }),
    record: (value: number, tags: MetricTags = {}) => recorded.push({ name, value, tags }),
    withTags: () => metric(name),
  });
  const meter = {
    createCounter: (name: string) => metric(name),
    createHistogram: (name: string) => metric(name),
    createGauge: (name: string) => metric(name),
    withTags: () => meter,
  } as unknown as MetricMeter;
  return { meter, recorded };
}

const entry = (
  seq: number,
  type: TimelineEntry['type'],
  tier: number,
  detail: TimelineEntry['detail'] = {},
): TimelineEntry => ({
  seq,
  at: '2026-05-20T17:00:05.000Z',
  type,
  tier,
  actor: null,
  actionId: null,
  detail,
});

function stateWith(timeline: TimelineEntry[]): EscalationState {
  return {
    escalationId: '00000000-0000-4000-a000-000000000001',
    protocolId: 'sefton-sscp',
    breaches: timeline.filter((e) => e.type === 'deadline-breached').length,
    timeline,
  } as unknown as EscalationState;
}

const DUE = '2026-05-20T17:00:00.000Z';
const timeline = [
  entry(1, 'raised', 1),
  entry(2, 'deadline-breached', 1, { dueAt: DUE, onBreach: 'advance-and-alert' }),
  entry(3, 'tier-entered', 2),
];

describe('worker metrics', () => {
  it('counts each new breach once, with the delay from its due instant', () => {
    const { meter, recorded } = recordingMeter();
    const n = recordBreaches(meter, stateWith(timeline), 1, new Date(Date.parse(DUE) + 42_000));
    expect(n).toBe(1);
    expect(recorded).toEqual([
      { name: WORKER_METRIC_NAMES.breaches, value: 1, tags: { protocol: 'sefton-sscp', tier: 1 } },
      { name: WORKER_METRIC_NAMES.deadlineToAlert, value: 42_000, tags: { protocol: 'sefton-sscp' } },
    ]);
    // Already projected (previous seq 3): nothing new.
    expect(recordBreaches(meter, stateWith(timeline), 3, new Date())).toBe(0);
    expect(recorded).toHaveLength(2);
  });

  it('instrumented recordProjection reads what was projected before, so a repeated projection counts nothing', async () => {
    const { meter, recorded } = recordingMeter();
    let projectedSeq = 1;
    const calls: string[] = [];
    const projections = {
      projectedSeq: async (escalationId: string) => {
        calls.push(escalationId);
        return projectedSeq;
      },
    };
    const inner: EscalationActivities = {
      computeDeadline: async () => ({
        tierKey: 'x',
        dueAt: null,
        explanation: '',
        reminders: [],
        calendarVersion: 'v',
      }),
      recordProjection: async (state) => {
        projectedSeq = state.timeline.length;
      },
      authoriseAction: async () => ({ authorised: true }),
    };
    const activities = instrumentEscalationActivities(inner, {
      projections,
      meter: () => meter,
      clock: () => new Date(Date.parse(DUE) + 1000),
    });
    await activities.recordProjection(stateWith(timeline));
    await activities.recordProjection(stateWith(timeline)); // a retry, or the next publish
    expect(recorded.filter((r) => r.name === WORKER_METRIC_NAMES.breaches)).toHaveLength(1);
    expect(recorded.find((r) => r.name === WORKER_METRIC_NAMES.deadlineToAlert)?.value).toBe(1000);

    // No breach yet: no extra query at all.
    calls.length = 0;
    await activities.recordProjection(stateWith([entry(1, 'raised', 1)]));
    expect(calls).toEqual([]);
  });

  it('exports through the Runtime’s Prometheus exporter with delay buckets from 1 s to a day', () => {
    const metrics = workerTelemetryOptions('127.0.0.1:9464').metrics as {
      prometheus: { bindAddress: string; histogramBucketOverrides: Record<string, number[]> };
    };
    expect(metrics.prometheus.bindAddress).toBe('127.0.0.1:9464');
    expect(metrics.prometheus.histogramBucketOverrides[WORKER_METRIC_NAMES.deadlineToAlert]).toEqual(
      expect.arrayContaining([1_000, 86_400_000]),
    );
  });
});
