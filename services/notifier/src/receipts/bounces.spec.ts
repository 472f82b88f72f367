import { BounceAddresses, bounceReceipt, parseDeliveryStatus } from './bounces';

const dsn = (parts: { status?: string; action?: string; returned?: string; type?: string } = {}) =>
  [
    'From: MAILER-DAEMON@mx.example',
    `Content-Type: ${parts.type ?? 'multipart/report; report-type=delivery-status;\r\n\tboundary="b1"'}`,
    '',
    '--b1',
    'Content-Type: text/plain',
    '',
    'Delivery failed.',
    '--b1',
    'Content-Type: message/delivery-status',
    '',
    'Reporting-MTA: dns; mx.example',
    'Arrival-Date: Mon, 19 Jan 2026 09:00:00 +0000',
    '',
    'Final-Recipient: rfc822; someone@agency.example',
    `Action: ${parts.action ?? 'failed'}`,
    `Status: ${parts.status ?? '5.1.1'}`,
    'Diagnostic-Code: smtp; 550 5.1.1 <someone@agency.example>:',
    '  user unknown',
    '',
    '--b1',
    parts.returned ??
      'Content-Type: text/rfc822-headers\r\n\r\nSubject: x\r\nMessage-ID:\r\n <abc123@resolve.test>',
    '--b1--',
    '',
  ].join('\r\n');

describe('parseDeliveryStatus (RFC 3464)', () => {
  it("reads the first recipient's action, status and diagnostic, and the returned Message-ID (folded headers too)", () => {
    expect(parseDeliveryStatus(dsn())).toEqual({
      messageId: '<abc123@resolve.test>',
      action: 'failed',
      status: '5.1.1',
      diagnostic: 'smtp; 550 5.1.1 <someone@agency.example>: user unknown',
    });
  });

  it('takes the Message-ID from a returned whole message (message/rfc822) as well', () => {
    const report = parseDeliveryStatus(
      dsn({
        returned:
          'Content-Type: message/rfc822\r\n\r\nMessage-ID: <whole@resolve.test>\r\nSubject: y\r\n\r\nbody',
      }),
    );
    expect(report?.messageId).toBe('<whole@resolve.test>');
  });

  it('is not a DSN without multipart/report; report-type=delivery-status (an auto-reply)', () => {
    expect(parseDeliveryStatus(dsn({ type: 'multipart/mixed; boundary="b1"' }))).toBeNull();
    expect(parseDeliveryStatus('Subject: out of office\r\n\r\nI am away.')).toBeNull();
  });

  it('failed is a permanent failure; delayed is recorded only; the error names the status', () => {
    const failed = bounceReceipt({ ...parseDeliveryStatus(dsn())!, messageId: '<abc123@resolve.test>' });
    expect(failed).toMatchObject({
      provider: 'smtp',
      messageId: '<abc123@resolve.test>',
      providerStatus: 'bounce: failed 5.1.1',
      next: 'failed',
      error: expect.stringContaining('5.1.1'),
    });
    const delayed = bounceReceipt({
      ...parseDeliveryStatus(dsn({ action: 'delayed', status: '4.4.7' }))!,
      messageId: '<abc123@resolve.test>',
    });
    expect(delayed).toMatchObject({ providerStatus: 'bounce: delayed 4.4.7', next: null, error: null });
  });
});

describe('BounceAddresses (VERP return paths)', () => {
  const addresses = new BounceAddresses('Bounces@Resolve.example', 'a'.repeat(32));

  it('gives each message its own return path, signed with the secret', () => {
    const path = addresses.returnPath('<abc123@resolve.test>');
    expect(path).toMatch(/^bounces\+[0-9a-f]{24}@resolve\.example$/);
    expect(addresses.returnPath('<other@resolve.test>')).not.toBe(path);
    expect(
      new BounceAddresses('bounces@resolve.example', 'b'.repeat(32)).returnPath('<abc123@resolve.test>'),
    ).not.toBe(path);
  });

  it('recognises its own addresses only, and matches a token to its message only', () => {
    const path = addresses.returnPath('<abc123@resolve.test>');
    const token = addresses.tokenOf(path.toUpperCase())!;
    expect(token).toMatch(/^[0-9a-f]{24}$/);
    expect(addresses.matches(token, '<abc123@resolve.test>')).toBe(true);
    expect(addresses.matches(token, '<other@resolve.test>')).toBe(false);
    expect(addresses.tokenOf('bounces@resolve.example')).toBeNull();
    expect(addresses.tokenOf(path.replace('@resolve.example', '@elsewhere.example'))).toBeNull();
    expect(addresses.tokenOf(path.replace('bounces+', 'postmaster+'))).toBeNull();
  });
});
