/** Injection token: the relays' interval, from the validated configuration (RELAY_INTERVAL_MS). */
export const RELAY_INTERVAL_MS = Symbol('RELAY_INTERVAL_MS');
