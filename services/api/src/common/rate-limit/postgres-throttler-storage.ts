import type { ThrottlerStorage } from '@nestjs/throttler';
import type { ThrottlerStorageRecord } from '@nestjs/throttler/dist/throttler-storage-record.interface';
import type { RateLimitsRepository } from '@resolve/persistence';

/**
 * The throttler's counts in Postgres (fixed one-minute windows), so every API replica counts
 * against the same budget. A caller over the limit is refused until the window ends.
 */
export class PostgresThrottlerStorage implements ThrottlerStorage {
  constructor(private readonly counts: RateLimitsRepository) {}

  async increment(key: string, ttl: number, limit: number): Promise<ThrottlerStorageRecord> {
    const now = new Date();
    const { hits, windowEndsAt } = await this.counts.count(key, ttl, now);
    const secondsLeft = Math.max(1, Math.ceil((windowEndsAt.getTime() - now.getTime()) / 1000));
    const isBlocked = hits > limit;
    return {
      totalHits: hits,
      timeToExpire: secondsLeft,
      isBlocked,
      timeToBlockExpire: isBlocked ? secondsLeft : 0,
    };
  }
}
