// Delivery receipts from the SMS/email providers: parsing per provider, one status update.
export { applyProviderCallback, parseProviderCallback } from './apply';
export { parseGovukNotifyReceipt } from './govuk-notify';
export { parseTwilioReceipt } from './twilio';
export {
  ProviderCallbackError,
  type CallbackProvider,
  type CallbackResult,
  type DeliveryStatus,
  type ParsedReceipt,
} from './receipt';
