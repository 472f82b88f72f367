/**
 * Payloads no case can be found for: encrypted before payloads were tagged with their workflow,
 * or of a workflow that is neither a case nor a case's webhook delivery. Such a payload may be any
 * partnership's, so by default nobody decodes it; an installation upgraded with older histories
 * may give them to the partnership-wide operator role, the business manager.
 */
export const UNATTRIBUTED_PAYLOADS_POLICIES = ['refuse', 'business-manager'] as const;
export type UnattributedPayloadsPolicy = (typeof UNATTRIBUTED_PAYLOADS_POLICIES)[number];
