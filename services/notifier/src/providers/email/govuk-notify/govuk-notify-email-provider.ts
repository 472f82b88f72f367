import type { NotifyClient } from 'notifications-node-client';
import {
  createNotifyClient,
  findByReference,
  notifyCall,
  type GovukNotifyOptions,
} from '../../govuk-notify-common';
import type { EmailMessage, EmailProvider, SendReceipt } from '../email-provider.interface';

/**
 * Email through GOV.UK Notify. Notify sends from its own templates, so the service needs one
 * email template whose subject is `((subject))` and whose body is `((body))`; its id is
 * NOTIFY_EMAIL_TEMPLATE_ID. Notify renders plain text (with its own formatting), so the text
 * body is sent; the HTML version is for SMTP only.
 */
export class GovukNotifyEmailProvider implements EmailProvider {
  readonly name = 'govuk-notify';
  private readonly client: NotifyClient;
  private readonly timeoutMs: number;

  constructor(private readonly options: GovukNotifyOptions) {
    this.client = createNotifyClient(options);
    this.timeoutMs = options.timeoutMs ?? 30_000;
  }

  async send(message: EmailMessage): Promise<SendReceipt> {
    const response = await notifyCall('sending an email', this.timeoutMs, () =>
      this.client.sendEmail(this.options.templateId, message.to.address, {
        personalisation: { subject: message.subject, body: message.text },
        reference: message.deliveryKey,
      }),
    );
    return { providerMessageId: response.data.id };
  }

  async findPrevious(message: EmailMessage): Promise<SendReceipt | null> {
    const id = await findByReference(this.client, 'email', message.deliveryKey, this.timeoutMs);
    return id ? { providerMessageId: id } : null;
  }
}
