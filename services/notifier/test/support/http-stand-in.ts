import { createHmac, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown>;
}

interface StandIn {
  url: string;
  requests: RecordedRequest[];
  /** Status codes to answer the next requests with, before behaving normally again. */
  failNext: number[];
  /** Addresses or numbers the provider refuses as invalid (HTTP 400). */
  invalid: Set<string>;
  stop(): Promise<void>;
}

async function listen(
  handler: (req: RecordedRequest, res: ServerResponse) => void,
): Promise<{ server: Server; url: string; requests: RecordedRequest[] }> {
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const url = new URL(req.url ?? '/', 'http://stand-in');
      let body: Record<string, unknown> = {};
      if (text) {
        body = (req.headers['content-type'] ?? '').includes('application/json')
          ? JSON.parse(text)
          : Object.fromEntries(new URLSearchParams(text));
      }
      const recorded = {
        method: req.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body,
      };
      requests.push(recorded);
      handler(recorded, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}`, requests };
}

function json(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

// ---- GOV.UK Notify ------------------------------------------------------------------------

export const NOTIFY_SERVICE_ID = '26785a09-ab16-4eb0-8407-a37497a57506';
const NOTIFY_SECRET = '3d844edf-8d35-48ac-975b-e847b4f122b0';
/** A key of the real format: name, service id, secret. */
export const NOTIFY_API_KEY = `resolve_test-${NOTIFY_SERVICE_ID}-${NOTIFY_SECRET}`;
export const NOTIFY_EMAIL_TEMPLATE = 'f33517ff-2a88-4f6e-b855-c550268ce08a';
export const NOTIFY_SMS_TEMPLATE = '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';

export interface NotifyStandIn extends StandIn {
  notifications: {
    id: string;
    type: 'email' | 'sms';
    reference?: string;
    to: string;
    personalisation: Record<string, string>;
  }[];
}

/** Checks the JWT the client signs with the key's secret (HS256, iss = service id). */
function notifyAuthOk(header: string | undefined): boolean {
  const token = header?.replace(/^Bearer /, '') ?? '';
  const [h, p, s] = token.split('.');
  if (!h || !p || !s) return false;
  const expected = createHmac('sha256', NOTIFY_SECRET).update(`${h}.${p}`).digest('base64url');
  const payload = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as { iss?: string };
  return expected === s && payload.iss === NOTIFY_SERVICE_ID;
}

/** A local stand-in for the GOV.UK Notify API v2 (send email, send SMS, list by reference). */
export async function startNotifyStandIn(): Promise<NotifyStandIn> {
  const notifications: NotifyStandIn['notifications'] = [];
  const failNext: number[] = [];
  const invalid = new Set<string>();
  const { server, url, requests } = await listen((req, res) => {
    if (!notifyAuthOk(req.headers.authorization as string | undefined)) {
      return json(res, 403, {
        status_code: 403,
        errors: [{ error: 'AuthError', message: 'Invalid token: signature, api token not found' }],
      });
    }
    const failure = failNext.shift();
    if (failure)
      return json(res, failure, {
        status_code: failure,
        errors: [{ error: 'Exception', message: 'Internal server error' }],
      });
    if (
      req.method === 'POST' &&
      (req.path === '/v2/notifications/email' || req.path === '/v2/notifications/sms')
    ) {
      const type = req.path.endsWith('email') ? 'email' : 'sms';
      const to = String(type === 'email' ? req.body.email_address : req.body.phone_number);
      if (invalid.has(to)) {
        const message =
          type === 'email'
            ? 'email_address Not a valid email address'
            : 'phone_number Not a UK mobile number';
        return json(res, 400, { status_code: 400, errors: [{ error: 'ValidationError', message }] });
      }
      const id = randomUUID();
      const personalisation = req.body.personalisation as Record<string, string>;
      notifications.push({
        id,
        type,
        reference: req.body.reference as string | undefined,
        to,
        personalisation,
      });
      return json(res, 201, {
        id,
        reference: req.body.reference ?? null,
        content:
          type === 'email'
            ? {
                subject: personalisation.subject,
                body: personalisation.body,
                from_email: 'resolve@notifications.service.gov.uk',
              }
            : { body: personalisation.body, from_number: 'Resolve' },
        uri: `${url}/v2/notifications/${id}`,
        template: { id: req.body.template_id, version: 1, uri: `${url}/v2/template/${req.body.template_id}` },
      });
    }
    if (req.method === 'GET' && req.path === '/v2/notifications') {
      const reference = req.query.get('reference');
      const type = req.query.get('template_type');
      const found = notifications.filter(
        (n) => (!reference || n.reference === reference) && (!type || n.type === type),
      );
      return json(res, 200, {
        notifications: found.map((n) => ({
          id: n.id,
          reference: n.reference,
          type: n.type,
          status: 'sending',
        })),
        links: { current: `${url}/v2/notifications` },
      });
    }
    json(res, 404, { status_code: 404, errors: [{ error: 'NotFound', message: 'Not found' }] });
  });
  return { url, requests, notifications, failNext, invalid, stop: () => close(server) };
}

// ---- Twilio ---------------------------------------------------------------------------------

export const TWILIO_ACCOUNT_SID = `AC${'0123456789abcdef'.repeat(2)}`;
export const TWILIO_AUTH_TOKEN = 'stand-in-auth-token';
export const TWILIO_FROM = '+447700900999';

export interface TwilioStandIn extends StandIn {
  messages: {
    sid: string;
    to: string;
    from: string;
    body: string;
    dateSent: Date;
    statusCallback?: string;
  }[];
}

/** A local stand-in for Twilio's Messages API (2010-04-01): create and list. */
export async function startTwilioStandIn(): Promise<TwilioStandIn> {
  const messages: TwilioStandIn['messages'] = [];
  const failNext: number[] = [];
  const invalid = new Set<string>();
  const base = `/2010-04-01/Accounts/${TWILIO_ACCOUNT_SID}/Messages.json`;
  const { server, url, requests } = await listen((req, res) => {
    const expected = `Basic ${Buffer.from(`${TWILIO_ACCOUNT_SID}:${TWILIO_AUTH_TOKEN}`).toString('base64')}`;
    if (req.headers.authorization !== expected) {
      return json(res, 401, {
        code: 20003,
        message: 'Authenticate',
        more_info: 'https://www.twilio.com/docs/errors/20003',
        status: 401,
      });
    }
    const failure = failNext.shift();
    if (failure)
      return json(res, failure, {
        code: failure === 429 ? 20429 : 20500,
        message: 'Service unavailable',
        status: failure,
      });
    if (req.path !== base) return json(res, 404, { code: 20404, message: 'Not found', status: 404 });
    if (req.method === 'POST') {
      const to = String(req.body.To);
      if (invalid.has(to)) {
        return json(res, 400, {
          code: 21211,
          message: `Invalid 'To' Phone Number: ${to}`,
          more_info: 'https://www.twilio.com/docs/errors/21211',
          status: 400,
        });
      }
      const sid = `SM${randomUUID().replace(/-/g, '')}`;
      const message = {
        sid,
        to,
        from: String(req.body.From ?? req.body.MessagingServiceSid),
        body: String(req.body.Body),
        dateSent: new Date(),
        statusCallback: req.body.StatusCallback as string | undefined,
      };
      messages.push(message);
      return json(res, 201, {
        sid,
        account_sid: TWILIO_ACCOUNT_SID,
        to: message.to,
        from: message.from,
        body: message.body,
        status: 'queued',
        num_segments: '1',
        direction: 'outbound-api',
        date_created: message.dateSent.toUTCString(),
        date_sent: null,
        uri: `${base.replace('.json', '')}/${sid}.json`,
      });
    }
    const to = req.query.get('To');
    const from = req.query.get('From');
    const after = req.query.get('DateSent>');
    const found = messages.filter(
      (m) => (!to || m.to === to) && (!from || m.from === from) && (!after || m.dateSent >= new Date(after)),
    );
    return json(res, 200, {
      messages: found.map((m) => ({
        sid: m.sid,
        to: m.to,
        from: m.from,
        body: m.body,
        status: 'sent',
        date_sent: m.dateSent.toUTCString(),
      })),
      end: found.length ? found.length - 1 : 0,
      first_page_uri: base,
      next_page_uri: null,
      page: 0,
      page_size: 50,
      previous_page_uri: null,
      start: 0,
      uri: base,
    });
  });
  return { url, requests, messages, failNext, invalid, stop: () => close(server) };
}
