import { slidingWindowVerdict } from './sliding-window';

const minute = 60_000;

describe('the sliding-window estimate of a rate limit', () => {
  it('lets requests through while the estimate is within the limit', () => {
    expect(slidingWindowVerdict({ hits: 5, previousHits: 0, elapsedMs: 1_000, windowMs: minute }, 5)).toEqual(
      {
        estimate: 5,
        blocked: false,
        retryAfterSeconds: 0,
      },
    );
  });

  it("refuses a burst across the windows' edge that fixed windows would let through", () => {
    // Five in the last second of one window, then one in the first second of the next.
    const verdict = slidingWindowVerdict({ hits: 1, previousHits: 5, elapsedMs: 1_000, windowMs: minute }, 5);
    expect(verdict.blocked).toBe(true);
    expect(verdict.estimate).toBe(6);
    // The refused request counts too, so the next makes 2: 2 + 5 * (1 - x) <= 5 once x = 0.4 of
    // the minute has passed (24 s), less the 1 s already in.
    expect(verdict.retryAfterSeconds).toBe(23);
  });

  it('lets the previous window count less as it slides away', () => {
    const late = slidingWindowVerdict({ hits: 1, previousHits: 5, elapsedMs: 50_000, windowMs: minute }, 5);
    expect(late).toMatchObject({ estimate: 2, blocked: false });
  });

  it('waits into the next window when this one alone is over the limit', () => {
    const verdict = slidingWindowVerdict(
      { hits: 7, previousHits: 0, elapsedMs: 30_000, windowMs: minute },
      5,
    );
    expect(verdict.blocked).toBe(true);
    // 30 s to the end of the window, then until 7 * (1 - x) + 1 <= 5: x = 3/7 of a minute, 25.7 s.
    expect(verdict.retryAfterSeconds).toBe(56);
  });
});
