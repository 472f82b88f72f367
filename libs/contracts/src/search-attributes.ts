import { defineSearchAttributeKey } from '@temporalio/common';

/**
 * Custom search attributes the board's operators filter on in the Temporal UI. Types fit SQL
 * visibility's per-namespace limits (10 Keyword, 3 each of Int, Datetime, Bool...). The same
 * list is registered by the dev server's start options and by docker-compose's setup step
 * (infra/temporal/search-attributes.json; a test keeps them in step).
 */
export const SEARCH_ATTRIBUTES = {
  partnership: defineSearchAttributeKey('ResolvePartnership', 'KEYWORD'),
  protocol: defineSearchAttributeKey('ResolveProtocol', 'KEYWORD'),
  tier: defineSearchAttributeKey('ResolveTier', 'INT'),
  status: defineSearchAttributeKey('ResolveStatus', 'KEYWORD'),
  nextDeadline: defineSearchAttributeKey('ResolveNextDeadline', 'DATETIME'),
  urgent: defineSearchAttributeKey('ResolveUrgent', 'BOOL'),
  raisingAgency: defineSearchAttributeKey('ResolveRaisingAgency', 'KEYWORD'),
  receivingAgency: defineSearchAttributeKey('ResolveReceivingAgency', 'KEYWORD'),
  breaches: defineSearchAttributeKey('ResolveBreaches', 'INT'),
} as const;

export const SEARCH_ATTRIBUTE_KEYS = Object.values(SEARCH_ATTRIBUTES);
