/** The wait before the first retry; each later one waits four times longer. */
export const FIRST_RETRY_DELAY_MS = 5_000;
/** The longest wait between two attempts, so a receiver back up is reached within hours. */
export const MAX_RETRY_DELAY_MS = 6 * 60 * 60 * 1000;

/**
 * How long to wait after failed attempt `attempt` (1 for the first): 5 s, 20 s, 80 s, 5 min 20 s,
 * 21 min, 85 min, then 5.7 h and 6 h until the 24-hour retry window ends (about 10 attempts).
 * The window itself is the repository's (retry_until): past it a delivery is failed.
 */
export function retryDelayMs(attempt: number, firstDelayMs = FIRST_RETRY_DELAY_MS): number {
  const exponent = Math.max(0, Math.min(attempt - 1, 30));
  return Math.min(firstDelayMs * 4 ** exponent, MAX_RETRY_DELAY_MS);
}
