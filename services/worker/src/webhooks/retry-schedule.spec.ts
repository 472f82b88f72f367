import { FIRST_RETRY_DELAY_MS, MAX_RETRY_DELAY_MS, retryDelayMs } from './retry-schedule';

describe('webhook retry schedule', () => {
  it('waits four times longer after each failed attempt, from 5 seconds', () => {
    expect([1, 2, 3, 4].map((n) => retryDelayMs(n))).toEqual([5_000, 20_000, 80_000, 320_000]);
  });

  it('never waits more than 6 hours between attempts', () => {
    expect(retryDelayMs(8)).toBe(MAX_RETRY_DELAY_MS);
    expect(retryDelayMs(1000)).toBe(MAX_RETRY_DELAY_MS);
  });

  it('reaches the end of a 24-hour window in about ten attempts', () => {
    let waited = 0;
    let attempts = 1;
    while (waited + retryDelayMs(attempts) <= 24 * 3600_000) waited += retryDelayMs(attempts++);
    expect(attempts).toBeGreaterThanOrEqual(8);
    expect(attempts).toBeLessThanOrEqual(12);
  });

  it('scales from a shorter first wait (tests)', () => {
    expect(retryDelayMs(1, 100)).toBe(100);
    expect(retryDelayMs(3, 100)).toBe(1_600);
    expect(retryDelayMs(1)).toBe(FIRST_RETRY_DELAY_MS);
  });
});
