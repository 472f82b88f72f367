/** The wait before the first retry; each later one waits four times longer. */
export const FIRST_RETRY_DELAY_MS = 5_000;
/** The longest wait between two attempts, so a receiver back up is reached within hours. */
export const MAX_RETRY_DELAY_MS = 6 * 60 * 60 * 1000;
/** How long a delivery is retried: from its workflow's start (or a manual redelivery's). */
export const RETRY_WINDOW_MS = 24 * 60 * 60 * 1000;
/** Each wait is this many times the one before (the workflow's retry policy, backoffCoefficient). */
export const BACKOFF_COEFFICIENT = 4;

/**
 * How long Temporal waits after failed attempt `attempt` (1 for the first) under the
 * webhookDelivery workflow's retry policy: 5 s, 20 s, 80 s, 5 min 20 s, 21 min, 85 min, then
 * 5.7 h and 6 h until the 24-hour window ends (about 10 attempts). The delivery log shows it.
 */
export function retryDelayMs(
  attempt: number,
  firstDelayMs = FIRST_RETRY_DELAY_MS,
  maxDelayMs = MAX_RETRY_DELAY_MS,
): number {
  const exponent = Math.max(0, Math.min(attempt - 1, 30));
  return Math.min(firstDelayMs * BACKOFF_COEFFICIENT ** exponent, maxDelayMs);
}
