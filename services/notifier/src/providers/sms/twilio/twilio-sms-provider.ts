import twilio from 'twilio';
import { DeliveryError } from '../../../errors';
import { classifyHttpStatus, classifyNetworkError } from '../../http-errors';
import type { SendReceipt, SmsMessage, SmsProvider } from '../sms-provider.interface';

export interface TwilioSmsOptions {
  accountSid: string;
  authToken: string;
  /** A sender number (E.164), an alphanumeric sender id, or a Messaging Service SID (MG...). */
  from: string;
  /**
   * Where the Twilio REST API lives. Unset: Twilio itself. The SDK only lets callers change
   * edge/region (parts of the host name), so a base URL is applied by a request client that
   * rewrites each request's origin: tests point it at a local stand-in.
   */
  baseUrl?: string;
  /** Delivery receipts (MessageStatus) are posted here; the API applies them with @resolve/delivery-receipts. */
  statusCallbackUrl?: string;
  timeoutMs?: number;
}

type RequestOptions = Parameters<twilio.RequestClient['request']>[0];

/** Twilio's own request client, with every request sent to `base` instead of *.twilio.com. */
class RebasedRequestClient extends twilio.RequestClient {
  constructor(
    private readonly base: URL,
    timeoutMs: number,
  ) {
    super({ timeout: timeoutMs });
  }

  override request<TData>(opts: RequestOptions) {
    const original = new URL(opts.uri);
    const rebased = new URL(this.base.href);
    rebased.pathname = `${this.base.pathname.replace(/\/$/, '')}${original.pathname}`;
    rebased.search = original.search;
    return super.request<TData>({ ...opts, uri: rebased.href } as RequestOptions as never);
  }
}

interface TwilioRestError {
  status?: number;
  code?: number | string;
  message?: string;
  moreInfo?: string;
}

/**
 * Text messages through Twilio's Messages API. Twilio has no idempotency key for sending, so
 * after a crashed attempt the notifier lists messages to the same number since the attempt
 * started and compares the text before sending again.
 */
export class TwilioSmsProvider implements SmsProvider {
  readonly name = 'twilio';
  private readonly client: twilio.Twilio;

  constructor(private readonly options: TwilioSmsOptions) {
    const timeout = options.timeoutMs ?? 30_000;
    this.client = twilio(options.accountSid, options.authToken, {
      timeout,
      httpClient: options.baseUrl ? new RebasedRequestClient(new URL(options.baseUrl), timeout) : undefined,
    });
  }

  private sender(): { from: string } | { messagingServiceSid: string } {
    return /^MG[0-9a-f]{32}$/i.test(this.options.from)
      ? { messagingServiceSid: this.options.from }
      : { from: this.options.from };
  }

  async send(message: SmsMessage): Promise<SendReceipt> {
    try {
      const sent = await this.client.messages.create({
        to: message.to,
        body: message.body,
        ...this.sender(),
        ...(this.options.statusCallbackUrl ? { statusCallback: this.options.statusCallbackUrl } : {}),
      });
      return { providerMessageId: sent.sid };
    } catch (err) {
      throw classifyTwilioError(err);
    }
  }

  async findPrevious(message: SmsMessage, since: Date): Promise<SendReceipt | null> {
    try {
      const sender = this.sender();
      const list = await this.client.messages.list({
        to: message.to,
        ...('from' in sender ? { from: sender.from } : {}),
        dateSentAfter: new Date(since.getTime() - 60_000),
        limit: 50,
      });
      const found = list.find((m) => m.body === message.body);
      return found ? { providerMessageId: found.sid } : null;
    } catch (err) {
      throw classifyTwilioError(err);
    }
  }
}

export function classifyTwilioError(err: unknown): DeliveryError {
  if (err instanceof DeliveryError) return err;
  const e = err as TwilioRestError;
  if (typeof e.status === 'number') {
    const detail = [e.code ? `error ${e.code}` : '', e.message ?? ''].filter(Boolean).join(': ');
    return classifyHttpStatus('Twilio', e.status, detail, err);
  }
  return classifyNetworkError('Twilio', err);
}
