import { Writable } from 'node:stream';
import { createLogger, redactContacts } from './index';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, stream };
}

describe(createLogger.name, () => {
  it('writes one JSON line with time, level name, service and message, then the facts', () => {
    const { lines, stream } = capture();
    createLogger('notifier', { destination: stream }).info('sent', { deliveryKey: 'k1' });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 'info', service: 'notifier', msg: 'sent', deliveryKey: 'k1' });
    expect(new Date(String(lines[0].time)).toISOString()).toBe(lines[0].time);
  });

  it('redacts personal-data fields at any depth of the facts', () => {
    const { lines, stream } = capture();
    createLogger('api', { destination: stream }).warn('oops', {
      escalationId: 'e1',
      subject: { givenName: 'Alex' },
      request: { body: { natureOfConcern: 'details' }, email: 'a@example.org' },
    });
    const text = JSON.stringify(lines);
    expect(text).not.toContain('Alex');
    expect(text).not.toContain('details');
    expect(text).not.toContain('a@example.org');
    expect(lines[0]).toMatchObject({ escalationId: 'e1', subject: '[redacted]' });
  });

  it('applies the configured level, and a later change of it', () => {
    const { lines, stream } = capture();
    const log = createLogger('worker', { destination: stream, level: 'warn' });
    log.info('hidden');
    log.warn('shown');
    log.setLevel('debug');
    log.debug('now shown');
    expect(lines.map((l) => l.msg)).toEqual(['shown', 'now shown']);
  });
});

describe('redactContacts', () => {
  it("replaces addresses and phone numbers in a provider's error, keeping the rest", () => {
    expect(
      redactContacts(
        '550 5.1.1 <jo.bloggs@police.example.gov.uk>: mailbox unavailable; SMS to +44 7700 900123 failed',
      ),
    ).toBe('550 5.1.1 <<address>>: mailbox unavailable; SMS to <number> failed');
  });
});
