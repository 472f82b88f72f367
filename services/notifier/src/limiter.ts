/** A counting semaphore: at most `size` holders at once, the others wait in arrival order. */
export function createLimiter(size: number) {
  if (!Number.isInteger(size) || size < 1)
    throw new Error(`limiter size must be a whole number of at least 1, got ${size}`);
  let held = 0;
  const waiting: (() => void)[] = [];
  return async function limited<T>(fn: () => Promise<T>): Promise<T> {
    if (held >= size) await new Promise<void>((resolve) => waiting.push(resolve));
    else held += 1;
    try {
      return await fn();
    } finally {
      const next = waiting.shift();
      if (next)
        next(); // the slot passes straight to the next waiter
      else held -= 1;
    }
  };
}
