import { createLimiter } from './limiter';

describe('createLimiter', () => {
  const tick = () => new Promise((r) => setImmediate(r));

  it('runs at most `size` tasks at once and starts the waiters in arrival order', async () => {
    const limited = createLimiter(2);
    let running = 0;
    let peak = 0;
    const started: number[] = [];
    const release: (() => void)[] = [];
    const tasks = [0, 1, 2, 3, 4].map((i) =>
      limited(async () => {
        started.push(i);
        running += 1;
        peak = Math.max(peak, running);
        await new Promise<void>((r) => release.push(r));
        running -= 1;
        return i * 10;
      }),
    );
    await tick();
    expect(started).toEqual([0, 1]);
    release.shift()!();
    await tick();
    expect(started).toEqual([0, 1, 2]);
    while (started.length < 5 || release.length > 0) {
      release.shift()?.();
      await tick();
    }
    expect(await Promise.all(tasks)).toEqual([0, 10, 20, 30, 40]);
    expect(peak).toBe(2);
  });

  it('frees the slot of a task that throws', async () => {
    const limited = createLimiter(1);
    await expect(limited(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(limited(async () => 'next')).resolves.toBe('next');
  });

  it('refuses a size that is not a whole number of at least 1', () => {
    expect(() => createLimiter(0)).toThrow('limiter size must be a whole number of at least 1, got 0');
    expect(() => createLimiter(1.5)).toThrow('got 1.5');
  });
});
