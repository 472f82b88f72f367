// Public API of the notifier (services/notifier).
export { createNotifierActivities, RETRYABLE_FAILURE_TYPE, type NotifierDeps } from './notify';
export {
  createNotifierWorker,
  startNotifier,
  startNotifierWithConfig,
  optionsToEnv,
  type NotifierWorkerDeps,
  type StartNotifierOptions,
  type RunningNotifier,
} from './worker';
export {
  loadNotifierConfig,
  notifierEnvSchema,
  ConfigurationError,
  type NotifierConfig,
  type NotifierEnv,
} from './config';
export {
  deliveriesForEscalation,
  applyProviderCallback,
  ProviderCallbackError,
  type DeliveryView,
  type DeliveryStatus,
  type CallbackProvider,
  type CallbackResult,
} from './deliveries';
export { readSmsOutbox, type OutboxMessage } from './providers/sms/outbox/outbox-sms-provider';
export {
  createProviders,
  createEmailProvider,
  createSmsProvider,
  type Providers,
} from './providers/provider-factory';
export type { EmailProvider, EmailMessage, SendReceipt } from './providers/email/email-provider.interface';
export type { SmsProvider, SmsMessage } from './providers/sms/sms-provider.interface';
export { DeliveryError } from './errors';
export {
  resolveRecipients,
  type DirectorySnapshot,
  type DirectoryPerson,
  type EscalationFacts,
  type Recipient,
  type Channel,
} from './recipients';
export { planChannels, isSmsHours, SMS_HOURS } from './channels';
export {
  loadTemplates,
  renderTemplate,
  renderEmail,
  renderSms,
  TemplateError,
  TEMPLATE_EVENTS,
  SMS_VARIABLES,
} from './templates';
export { jsonLogger, silentLogger, type NotifierLogger } from './logger';
