import type { ThrottlerStorage } from '@nestjs/throttler';
import type { ThrottlerStorageRecord } from '@nestjs/throttler/dist/throttler-storage-record.interface';
import type { RateLimitsRepository } from '@resolve/persistence';
import { slidingWindowVerdict } from './sliding-window';

/**
 * The throttler's counts in Postgres, so every API replica counts against the same budget. The
 * budget is a sliding minute estimated from two fixed windows (sliding-window.ts); a caller over
 * it is told how long until one more request fits.
 */
export class PostgresThrottlerStorage implements ThrottlerStorage {
  constructor(private readonly counts: RateLimitsRepository) {}

  /** The instant a request is counted at (a seam for tests that count at chosen instants). */
  protected now(): Date {
    return new Date();
  }

  async increment(key: string, ttl: number, limit: number): Promise<ThrottlerStorageRecord> {
    const now = this.now();
    const { hits, previousHits, windowStart, windowEndsAt } = await this.counts.count(key, ttl, now);
    const verdict = slidingWindowVerdict(
      { hits, previousHits, elapsedMs: now.getTime() - windowStart.getTime(), windowMs: ttl },
      limit,
    );
    return {
      totalHits: verdict.estimate,
      timeToExpire: Math.max(1, Math.ceil((windowEndsAt.getTime() - now.getTime()) / 1000)),
      isBlocked: verdict.blocked,
      timeToBlockExpire: verdict.retryAfterSeconds,
    };
  }
}
