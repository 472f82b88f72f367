import type { NotifyClient } from 'notifications-node-client';
import {
  createNotifyClient,
  findByReference,
  notifyCall,
  type GovukNotifyOptions,
} from '../../govuk-notify-common';
import type { SendReceipt, SmsMessage, SmsProvider } from '../sms-provider.interface';

/**
 * Text messages through GOV.UK Notify: one SMS template whose content is `((body))`, id in
 * NOTIFY_SMS_TEMPLATE_ID. The delivery key travels as `reference`, so a crashed attempt can be
 * checked before sending again.
 */
export class GovukNotifySmsProvider implements SmsProvider {
  readonly name = 'govuk-notify';
  private readonly client: NotifyClient;
  private readonly timeoutMs: number;

  constructor(private readonly options: GovukNotifyOptions) {
    this.client = createNotifyClient(options);
    this.timeoutMs = options.timeoutMs ?? 30_000;
  }

  async send(message: SmsMessage): Promise<SendReceipt> {
    const response = await notifyCall('sending a text message', this.timeoutMs, () =>
      this.client.sendSms(this.options.templateId, message.to, {
        personalisation: { body: message.body },
        reference: message.deliveryKey,
      }),
    );
    return { providerMessageId: response.data.id };
  }

  async findPrevious(message: SmsMessage): Promise<SendReceipt | null> {
    const id = await findByReference(this.client, 'sms', message.deliveryKey, this.timeoutMs);
    return id ? { providerMessageId: id } : null;
  }
}
