import { webhookEventOf } from './webhooks.repository';

describe('the webhook event of a timeline entry', () => {
  it('tells each closing once: resolved, or closed for an ending with no event of its own', () => {
    expect(webhookEventOf({ type: 'closed', detail: { status: 'resolved' } })).toBe('resolved');
    expect(webhookEventOf({ type: 'closed', detail: { status: 'closed-with-outcome' } })).toBe('closed');
    expect(webhookEventOf({ type: 'closed', detail: { status: 'referred-for-learning' } })).toBe('closed');
    // Told already by 'decided' and 'withdrawn'.
    expect(webhookEventOf({ type: 'closed', detail: { status: 'decided' } })).toBeNull();
    expect(webhookEventOf({ type: 'closed', detail: { status: 'withdrawn' } })).toBeNull();
    expect(webhookEventOf({ type: 'final-decision-recorded' })).toBe('decided');
    expect(webhookEventOf({ type: 'note-added' })).toBeNull();
  });
});
