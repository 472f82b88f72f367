import type { DataSource } from 'typeorm';
import type { NotifierConfig } from '../config';
import { BounceAddresses } from '../receipts/bounces';
import type { EmailProvider } from './email/email-provider.interface';
import { GovukNotifyEmailProvider } from './email/govuk-notify/govuk-notify-email-provider';
import { SmtpEmailProvider } from './email/smtp/smtp-email-provider';
import { GovukNotifySmsProvider } from './sms/govuk-notify/govuk-notify-sms-provider';
import { OutboxSmsProvider } from './sms/outbox/outbox-sms-provider';
import type { SmsProvider } from './sms/sms-provider.interface';
import { TwilioSmsProvider } from './sms/twilio/twilio-sms-provider';

export interface Providers {
  email: EmailProvider;
  sms: SmsProvider;
}

/** The only place that knows which provider the configuration names. */
export function createEmailProvider(
  config: Pick<NotifierConfig, 'email' | 'mailFrom'> & Partial<Pick<NotifierConfig, 'bounces'>>,
): EmailProvider {
  switch (config.email.provider) {
    case 'smtp': {
      const bounces = config.bounces
        ? new BounceAddresses(config.bounces.address, config.bounces.secret)
        : null;
      return new SmtpEmailProvider({
        url: config.email.smtpUrl,
        from: config.mailFrom,
        ...(bounces ? { returnPath: (messageId: string) => bounces.returnPath(messageId) } : {}),
      });
    }
    case 'govuk-notify':
      return new GovukNotifyEmailProvider({
        apiKey: config.email.apiKey,
        baseUrl: config.email.baseUrl,
        templateId: config.email.templateId,
      });
  }
}

export function createSmsProvider(config: Pick<NotifierConfig, 'sms'>, ds: DataSource): SmsProvider {
  switch (config.sms.provider) {
    case 'outbox':
      return new OutboxSmsProvider(ds);
    case 'govuk-notify':
      return new GovukNotifySmsProvider({
        apiKey: config.sms.apiKey,
        baseUrl: config.sms.baseUrl,
        templateId: config.sms.templateId,
      });
    case 'twilio':
      return new TwilioSmsProvider({
        accountSid: config.sms.accountSid,
        authToken: config.sms.authToken,
        from: config.sms.from,
        baseUrl: config.sms.baseUrl,
        statusCallbackUrl: config.sms.statusCallbackUrl,
      });
  }
}

export function createProviders(
  config: Pick<NotifierConfig, 'email' | 'sms' | 'mailFrom'> & Partial<Pick<NotifierConfig, 'bounces'>>,
  ds: DataSource,
): Providers {
  return { email: createEmailProvider(config), sms: createSmsProvider(config, ds) };
}
