import { createLogger } from '@resolve/logging';

/**
 * The API's structured log (one schema for every service, @resolve/logging). Callers pass ids and
 * facts only: never request bodies, names, dates of birth or free text, which may describe a
 * child or an adult. main.ts applies the validated LOG_LEVEL.
 */
export const logger = createLogger('api');
