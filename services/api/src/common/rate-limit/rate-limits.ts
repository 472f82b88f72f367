import { SetMetadata } from '@nestjs/common';

/**
 * Route groups with their own budget per caller and minute. A group's budget is shared by all its
 * routes (a caller cannot multiply it by spreading requests over routes) and by all API replicas
 * (the counts are in Postgres).
 * - `default`: everything not in another group;
 * - `cases`: raising and acting on escalations;
 * - `documents`: records, reports and their PDFs (each PDF is a Chromium print).
 */
export const RATE_LIMIT_GROUPS = ['default', 'cases', 'documents'] as const;
export type RateLimitGroup = (typeof RATE_LIMIT_GROUPS)[number];
export type RateLimits = Record<RateLimitGroup, number>;

export const DEFAULT_RATE_LIMITS: RateLimits = { default: 1200, cases: 600, documents: 120 };

/**
 * Parses `RATE_LIMITS`, e.g. `default=1200,cases=600,documents=120` (requests per caller per
 * minute; groups left out keep their default). Throws a message naming each bad entry.
 */
export function parseRateLimits(text: string | undefined): RateLimits {
  const limits = { ...DEFAULT_RATE_LIMITS };
  if (!text || text.trim() === '') return limits;
  const problems: string[] = [];
  for (const entry of text.split(',').map((e) => e.trim())) {
    const [group, value, ...rest] = entry.split('=').map((p) => p.trim());
    if (!(RATE_LIMIT_GROUPS as readonly string[]).includes(group)) {
      problems.push(`"${entry}": the group must be one of ${RATE_LIMIT_GROUPS.join(', ')}`);
    } else if (
      rest.length > 0 ||
      !/^\d+$/.test(value ?? '') ||
      Number(value) < 1 ||
      Number(value) > 1_000_000
    ) {
      problems.push(`"${entry}": requests per minute must be a whole number from 1 to 1000000`);
    } else {
      limits[group as RateLimitGroup] = Number(value);
    }
  }
  if (problems.length) throw new Error(problems.join('; '));
  return limits;
}

export const RATE_LIMIT_GROUP = 'resolve:rate-limit-group';

/** Puts a controller (or one route) in a rate-limit group; undecorated routes are `default`. */
export const RateLimited = (group: RateLimitGroup) => SetMetadata(RATE_LIMIT_GROUP, group);
