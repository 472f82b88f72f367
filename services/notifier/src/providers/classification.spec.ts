import { DeliveryError, asDeliveryError, redactContacts } from '../errors';
import { classifySmtpError } from './email/smtp/smtp-email-provider';
import { classifyNotifyError } from './govuk-notify-common';
import { classifyTwilioError } from './sms/twilio/twilio-sms-provider';

const smtp = (fields: Record<string, unknown>) =>
  Object.assign(new Error(String(fields.message ?? 'smtp error')), fields);

describe('provider failures: transient (retry) or permanent (fail, fall back, alert)', () => {
  it('SMTP: a 5xx reply to RCPT TO is permanent', () => {
    const e = classifySmtpError(
      smtp({ code: 'EENVELOPE', responseCode: 550, command: 'RCPT TO', response: '550 mailbox unavailable' }),
    );
    expect(e.kind).toBe('permanent');
    expect(e.message).toBe('SMTP RCPT TO: 550 mailbox unavailable');
  });
  it('SMTP: 4xx replies and refused connections are transient', () => {
    expect(
      classifySmtpError(smtp({ responseCode: 451, command: 'DATA', response: '451 try later' })).kind,
    ).toBe('transient');
    const refused = classifySmtpError(
      smtp({ code: 'ESOCKET', message: 'connect ECONNREFUSED 127.0.0.1:2525' }),
    );
    expect(refused).toMatchObject({ kind: 'transient', maybeSent: false });
    expect(classifySmtpError(smtp({ code: 'ECONNECTION' }))).toMatchObject({
      kind: 'transient',
      maybeSent: false,
    });
  });
  it('SMTP: a timeout may have delivered the message', () => {
    expect(classifySmtpError(smtp({ code: 'ETIMEDOUT', command: 'DATA' }))).toMatchObject({
      kind: 'transient',
      maybeSent: true,
    });
  });
  it('SMTP: a rejected login is a configuration problem, retried rather than alerted', () => {
    expect(classifySmtpError(smtp({ code: 'EAUTH', responseCode: 535, command: 'AUTH PLAIN' })).kind).toBe(
      'transient',
    );
  });

  it('GOV.UK Notify: 400 is permanent, 429 and 5xx transient, 403 (bad key) transient', () => {
    const http = (status: number) => ({
      response: {
        status,
        data: { errors: [{ error: 'BadRequestError', message: 'Not a UK mobile number' }] },
      },
    });
    expect(classifyNotifyError(http(400))).toMatchObject({
      kind: 'permanent',
      message: 'GOV.UK Notify HTTP 400: BadRequestError: Not a UK mobile number',
    });
    expect(classifyNotifyError(http(429)).kind).toBe('transient');
    expect(classifyNotifyError(http(500))).toMatchObject({ kind: 'transient', maybeSent: true });
    expect(classifyNotifyError(http(403)).kind).toBe('transient');
    expect(classifyNotifyError({ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED' })).toMatchObject({
      kind: 'transient',
      maybeSent: false,
    });
    expect(classifyNotifyError({ code: 'ECONNRESET', message: 'socket hang up' })).toMatchObject({
      kind: 'transient',
      maybeSent: true,
    });
  });

  it('Twilio: 400 (invalid number) is permanent, 429/503 transient', () => {
    expect(
      classifyTwilioError({
        status: 400,
        code: 21211,
        message: "The 'To' number is not a valid phone number.",
      }),
    ).toMatchObject({
      kind: 'permanent',
      message: "Twilio HTTP 400: error 21211: The 'To' number is not a valid phone number.",
    });
    expect(classifyTwilioError({ status: 429, code: 20429, message: 'Too Many Requests' }).kind).toBe(
      'transient',
    );
    expect(classifyTwilioError({ status: 503, message: 'Service unavailable' }).kind).toBe('transient');
  });

  it('anything unexpected is transient and may have been sent', () => {
    expect(asDeliveryError(new Error('boom'))).toMatchObject({ kind: 'transient', maybeSent: true });
    const d = DeliveryError.permanent('x');
    expect(asDeliveryError(d)).toBe(d);
  });
});

describe('redactContacts (text that goes into Temporal history)', () => {
  it('replaces email addresses and phone numbers', () => {
    expect(
      redactContacts('SMTP RCPT TO: 550 <police.line-manager@sefton.resolve.test>: mailbox unavailable'),
    ).toBe('SMTP RCPT TO: 550 <<address>>: mailbox unavailable');
    expect(redactContacts("Twilio HTTP 400: error 21211: Invalid 'To' Phone Number: +447700900123")).toBe(
      "Twilio HTTP 400: error 21211: Invalid 'To' Phone Number: <number>",
    );
    expect(redactContacts('connect ECONNREFUSED 127.0.0.1:2525')).toBe('connect ECONNREFUSED 127.0.0.1:2525');
    expect(redactContacts('GOV.UK Notify HTTP 503')).toBe('GOV.UK Notify HTTP 503');
  });
});
