import type { DeliveriesRepository } from '@resolve/persistence';
import type { NotifierLogger } from './logger';
import type { NotifierCore } from './notify';

export interface DeliverySchedulerOptions {
  core: Pick<NotifierCore, 'releaseHeld' | 'followUpFailure'>;
  deliveries: DeliveriesRepository;
  clock: () => Date;
  logger: NotifierLogger;
  /** How often Postgres is asked for due texts and pending follow-ups (default 30 s). */
  intervalMs?: number;
  /** Rows taken per pass (default 50); a full batch runs the next pass at once. */
  batchSize?: number;
}

export interface DeliveryScheduler {
  /** One pass now (also what the timer runs): due held texts, then pending follow-ups. */
  runOnce(): Promise<{ released: number; followedUp: number }>;
  /** Runs a pass soon (a receipt just reported a failure), without waiting for the interval. */
  kick(): void;
  /** Stops the timer and waits for a pass in progress. */
  stop(): Promise<void>;
}

/**
 * The notifier's durable timer. Held texts and the follow-ups of failures reported by receipts
 * live in Postgres (notification_delivery), not in memory, so a restart loses nothing: the first
 * pass after start sends whatever fell due while the notifier was down. Several notifiers may run
 * passes at once: each delivery is sent under its key's lock and its status, so once.
 *
 * The notifier has activities only, no workflows, so a Temporal timer would need a workflow per
 * held text; a poll of an indexed column (`send_after` where status = 'held') does the same
 * with what the notifier already has.
 */
export function startDeliveryScheduler(options: DeliverySchedulerOptions): DeliveryScheduler {
  const intervalMs = options.intervalMs ?? 30_000;
  const batchSize = options.batchSize ?? 50;
  const log = options.logger;
  let timer: NodeJS.Timeout | null = null;
  let current: Promise<unknown> | null = null;
  let stopped = false;

  async function pass(): Promise<{ released: number; followedUp: number; full: boolean }> {
    let released = 0;
    let followedUp = 0;
    const due = await options.deliveries.dueHeld(options.clock(), batchSize);
    for (const delivery of due) {
      if (stopped) break;
      if ((await options.core.releaseHeld(delivery)) !== 'held') released += 1;
    }
    const pending = await options.deliveries.pendingFollowUps(batchSize);
    for (const delivery of pending) {
      if (stopped) break;
      if ((await options.core.followUpFailure(delivery)) === 'done') followedUp += 1;
    }
    return { released, followedUp, full: due.length === batchSize || pending.length === batchSize };
  }

  function runOnce() {
    // One pass at a time in this process: a pass already running is waited for, then one more runs.
    const run = (current ?? Promise.resolve()).catch(() => undefined).then(() => pass());
    current = run;
    return run.then(({ released, followedUp }) => ({ released, followedUp }));
  }

  function schedule(delayMs: number) {
    if (stopped) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      runOnce()
        .then(
          (r) => {
            if (r.released + r.followedUp > 0) log.info('scheduled deliveries done', r);
            return r.released + r.followedUp >= batchSize ? 0 : intervalMs;
          },
          (err: unknown) => {
            // Postgres down, for example: the rows wait, and the next pass tries again.
            log.error('scheduled deliveries pass failed; will try again', {
              error: err instanceof Error ? err.message : String(err),
            });
            return intervalMs;
          },
        )
        .then((next) => schedule(next));
    }, delayMs);
    timer.unref?.();
  }

  schedule(0);
  return {
    runOnce,
    kick: () => schedule(0),
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = null;
      await current?.catch(() => undefined);
    },
  };
}
