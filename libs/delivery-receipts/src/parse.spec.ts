import { parseProviderCallback, ProviderCallbackError } from './index';

describe('parseProviderCallback', () => {
  it('reads a GOV.UK Notify receipt', () => {
    expect(parseProviderCallback('govuk-notify', { id: 'n1', status: 'delivered', reference: 'k' })).toEqual({
      messageId: 'n1',
      providerStatus: 'delivered',
      reference: 'k',
      next: 'delivered',
      error: null,
    });
    expect(parseProviderCallback('govuk-notify', { id: 'n1', status: 'permanent-failure' })).toMatchObject({
      next: 'failed',
      error: 'GOV.UK Notify: permanent-failure',
      reference: null,
    });
    expect(parseProviderCallback('govuk-notify', { id: 'n1', status: 'sending' }).next).toBeNull();
  });

  it('reads a Twilio receipt', () => {
    expect(parseProviderCallback('twilio', { MessageSid: 'SM1', MessageStatus: 'sent' }).next).toBe('sent');
    expect(
      parseProviderCallback('twilio', {
        MessageSid: 'SM1',
        MessageStatus: 'undelivered',
        ErrorCode: '30003',
      }),
    ).toMatchObject({ next: 'failed', error: 'Twilio: undelivered (error 30003)' });
    expect(parseProviderCallback('twilio', { MessageSid: 'SM1', MessageStatus: 'queued' }).next).toBeNull();
  });

  it('rejects bodies that are not receipts', () => {
    expect(() => parseProviderCallback('twilio', 'x')).toThrow('callback body must be an object');
    expect(() => parseProviderCallback('govuk-notify', { status: 'delivered' })).toThrow(
      ProviderCallbackError,
    );
    expect(() => parseProviderCallback('twilio', { MessageStatus: 'delivered' })).toThrow(
      ProviderCallbackError,
    );
    expect(() => parseProviderCallback('other' as 'twilio', {})).toThrow('unknown provider "other"');
  });
});
