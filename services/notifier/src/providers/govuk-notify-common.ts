import { NotifyClient } from 'notifications-node-client';
import { DeliveryError } from '../errors';
import { classifyHttpStatus, classifyNetworkError } from './http-errors';

export const GOVUK_NOTIFY_PRODUCTION_URL = 'https://api.notifications.service.gov.uk';

export interface GovukNotifyOptions {
  /** "keyname-<service id>-<secret>" as issued by GOV.UK Notify. */
  apiKey: string;
  /** The API's base URL; tests point it at a local stand-in. */
  baseUrl?: string;
  templateId: string;
  timeoutMs?: number;
}

interface AxiosLikeError {
  response?: { status: number; data?: { errors?: { error?: string; message?: string }[] } };
  code?: string;
  message?: string;
}

export function createNotifyClient(options: GovukNotifyOptions): NotifyClient {
  return new NotifyClient(options.baseUrl ?? GOVUK_NOTIFY_PRODUCTION_URL, options.apiKey);
}

/** Runs a client call with a time limit; a timeout may have reached Notify (maybeSent). */
export async function notifyCall<T>(what: string, timeoutMs: number, call: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      call(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              DeliveryError.transient(`GOV.UK Notify: ${what} timed out after ${timeoutMs} ms`, {
                maybeSent: true,
              }),
            ),
          timeoutMs,
        );
      }),
    ]);
  } catch (err) {
    throw classifyNotifyError(err);
  } finally {
    if (timer) clearTimeout(timer);
  }
}

export function classifyNotifyError(err: unknown): DeliveryError {
  if (err instanceof DeliveryError) return err;
  const e = err as AxiosLikeError;
  if (e.response) {
    const detail = (e.response.data?.errors ?? [])
      .map((x) => [x.error, x.message].filter(Boolean).join(': '))
      .join('; ');
    return classifyHttpStatus('GOV.UK Notify', e.response.status, detail, err);
  }
  return classifyNetworkError('GOV.UK Notify', err);
}

/**
 * GOV.UK Notify has no idempotency key, but every notification carries our `reference` (the
 * delivery key) and can be listed by it: after a crash the notifier checks before sending again.
 */
export async function findByReference(
  client: NotifyClient,
  type: 'email' | 'sms',
  reference: string,
  timeoutMs: number,
): Promise<string | null> {
  const response = await notifyCall('looking up a notification by reference', timeoutMs, () =>
    client.getNotifications(type, undefined, reference),
  );
  const list =
    (response.data as { notifications?: { id: string; reference?: string }[] }).notifications ?? [];
  const found = list.find((n) => n.reference === reference);
  return found ? found.id : null;
}
