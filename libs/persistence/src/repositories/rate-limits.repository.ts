import type { DataSource } from 'typeorm';

export interface WindowCount {
  /** Requests in the fixed window the request fell in, this one included. */
  hits: number;
  /** Requests in the fixed window before it (for a sliding estimate). */
  previousHits: number;
  windowStart: Date;
  /** When the window the request fell in ends. */
  windowEndsAt: Date;
}

/**
 * Fixed-window request counters in Postgres, shared by every API replica; the caller estimates a
 * sliding window from the current and previous counts. One statement per request; windows that
 * ended an hour ago are swept now and then by whichever replica counts.
 */
export class RateLimitsRepository {
  private sinceSweep = 0;

  constructor(private readonly db: DataSource) {}

  async count(key: string, windowMs: number, now: Date = new Date()): Promise<WindowCount> {
    const start = new Date(Math.floor(now.getTime() / windowMs) * windowMs);
    const previousStart = new Date(start.getTime() - windowMs);
    // Raw SQL: an atomic insert-or-increment that returns the new count (ON CONFLICT ... RETURNING),
    // so two replicas counting the same caller at once cannot both read the old value; the
    // previous window's count comes back in the same round trip.
    const rows = (await this.db.query(
      `WITH counted AS (
         INSERT INTO rate_limit_window (key, window_start, hits) VALUES ($1, $2, 1)
         ON CONFLICT (key, window_start) DO UPDATE SET hits = rate_limit_window.hits + 1
         RETURNING hits
       )
       SELECT counted.hits,
              COALESCE((SELECT w.hits FROM rate_limit_window w WHERE w.key = $1 AND w.window_start = $3), 0)
                AS previous_hits
         FROM counted`,
      [key, start, previousStart],
    )) as { hits: number; previous_hits: number }[];
    if (++this.sinceSweep >= 1000) {
      this.sinceSweep = 0;
      await this.sweep(new Date(now.getTime() - 3_600_000));
    }
    return {
      hits: Number(rows[0].hits),
      previousHits: Number(rows[0].previous_hits),
      windowStart: start,
      windowEndsAt: new Date(start.getTime() + windowMs),
    };
  }

  /** Forgets windows that started before `before`. */
  async sweep(before: Date): Promise<void> {
    await this.db
      .createQueryBuilder()
      .delete()
      .from('rate_limit_window')
      .where('window_start < :before', { before })
      .execute();
  }
}
