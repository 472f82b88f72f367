/**
 * A sliding window estimated from two fixed windows: the requests of the last minute are taken
 * as this window's count plus the previous window's count weighted by how much of it still lies
 * within the last minute. Fixed windows alone let a caller spend a whole budget in the last
 * second of one window and another in the first second of the next: twice the limit in two
 * seconds. The estimate assumes the previous window's requests were spread evenly; it never
 * lets more than the limit through in any minute by more than that assumption's error.
 */
export interface WindowCounts {
  /** Requests counted in the current fixed window, this one included. */
  hits: number;
  /** Requests counted in the fixed window before it. */
  previousHits: number;
  /** How far into the current window this request came, in ms. */
  elapsedMs: number;
  windowMs: number;
}

export interface SlidingVerdict {
  /** The estimated requests in the last window's length, this one included (rounded up). */
  estimate: number;
  blocked: boolean;
  /** When blocked, how long until a request would be let through, in whole seconds (at least 1). */
  retryAfterSeconds: number;
}

export function slidingWindowVerdict(counts: WindowCounts, limit: number): SlidingVerdict {
  const { hits, previousHits, elapsedMs, windowMs } = counts;
  const overlap = 1 - elapsedMs / windowMs;
  const estimate = Math.ceil(hits + previousHits * overlap);
  if (estimate <= limit) return { estimate, blocked: false, retryAfterSeconds: 0 };
  return { estimate, blocked: true, retryAfterSeconds: Math.max(1, Math.ceil(waitMs(counts, limit) / 1000)) };
}

/** How long until one more request fits: later in this window, or in the next one. */
function waitMs({ hits, previousHits, elapsedMs, windowMs }: WindowCounts, limit: number): number {
  // This window alone leaves room: wait until enough of the previous window has slid away.
  if (hits + 1 <= limit && previousHits > 0) {
    const neededOverlap = (limit - hits - 1) / previousHits;
    return Math.max(0, windowMs * (1 - neededOverlap) - elapsedMs);
  }
  // This window is full: in the next one, this window's requests slide away in turn.
  const intoNext = hits > 0 ? windowMs * Math.max(0, 1 - (limit - 1) / hits) : 0;
  return windowMs - elapsedMs + intoNext;
}
