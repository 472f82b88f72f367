import {
  defaultWorkingDay,
  fallbackChannel,
  isSmsHours,
  londonWallClock,
  nextSmsOpening,
  planChannels,
} from './channels';
import type { DirectoryPerson } from './recipients';

const person = (extra: Partial<DirectoryPerson> = {}): DirectoryPerson => ({
  id: 'p',
  displayName: 'P',
  email: 'p@example.test',
  phone: '+447700900123',
  channels: ['email'],
  smsOutOfHours: false,
  ...extra,
});

const inHours = { urgent: false, smsHours: true };
const outOfHours = { urgent: false, smsHours: false };

describe('planChannels', () => {
  it("follows the person's preferences", () => {
    expect(planChannels(person({ channels: ['email'] }), inHours).channels).toEqual(['email']);
    expect(planChannels(person({ channels: ['sms'] }), inHours).channels).toEqual(['sms']);
    expect(planChannels(person({ channels: ['email', 'sms'] }), inHours).channels).toEqual(['email', 'sms']);
  });

  it('email when no preference is recorded', () => {
    expect(planChannels(person({ channels: [] }), inHours).channels).toEqual(['email']);
  });

  it('a preferred channel without its contact detail becomes the other channel', () => {
    expect(planChannels(person({ channels: ['sms'], phone: null }), inHours).channels).toEqual(['email']);
    expect(planChannels(person({ channels: ['email'], email: null }), inHours).channels).toEqual(['sms']);
    expect(planChannels(person({ channels: ['email', 'sms'], email: '  ' }), inHours).channels).toEqual([
      'sms',
    ]);
  });

  it('nobody to reach without any contact detail', () => {
    const plan = planChannels(person({ channels: ['sms'], email: null, phone: null }), inHours);
    expect(plan).toMatchObject({ channels: [], unreachable: true, wanted: 'sms' });
  });

  // Issue 15: a text outside SMS hours is held until they open (not dropped or swapped for an
  // email), and an urgent notice goes by email at once instead.
  describe('SMS outside working hours', () => {
    it('is held for non-urgent notices; email still goes now', () => {
      expect(planChannels(person({ channels: ['email', 'sms'] }), outOfHours)).toMatchObject({
        channels: ['email'],
        held: ['sms'],
      });
    });
    it("an SMS-only person's text is held, not replaced by an email", () => {
      expect(planChannels(person({ channels: ['sms'] }), outOfHours)).toMatchObject({
        channels: [],
        held: ['sms'],
      });
      expect(planChannels(person({ channels: ['sms'], email: null }), outOfHours)).toMatchObject({
        channels: [],
        held: ['sms'],
      });
    });
    it('an urgent notice goes by email at once instead', () => {
      const urgent = { urgent: true, smsHours: false };
      expect(planChannels(person({ channels: ['sms'] }), urgent)).toMatchObject({
        channels: ['email'],
        held: [],
      });
      expect(planChannels(person({ channels: ['email', 'sms'] }), urgent)).toMatchObject({
        channels: ['email'],
        held: [],
      });
    });
    it('an urgent text goes now when there is no email address to use instead', () => {
      expect(
        planChannels(person({ channels: ['sms'], email: null }), { urgent: true, smsHours: false }),
      ).toMatchObject({ channels: ['sms'], held: [] });
    });
    it('is sent to people who opted in', () => {
      expect(planChannels(person({ channels: ['sms'], smsOutOfHours: true }), outOfHours)).toMatchObject({
        channels: ['sms'],
        held: [],
      });
    });
  });
});

describe('fallbackChannel', () => {
  it('the other channel when the person has its detail', () => {
    expect(fallbackChannel(person(), 'email', ['email'], inHours)).toEqual({ channel: 'sms', hold: false });
    expect(fallbackChannel(person(), 'sms', ['sms'], inHours)).toEqual({ channel: 'email', hold: false });
  });
  it('none without the contact detail', () => {
    expect(fallbackChannel(person({ phone: null }), 'email', ['email'], inHours)).toBeNull();
  });
  it('none when the other channel was used (or is held) for this notice already', () => {
    expect(fallbackChannel(person(), 'email', ['email', 'sms'], inHours)).toBeNull();
  });
  it('an SMS fallback outside working hours is held, unless urgent or opted in', () => {
    expect(fallbackChannel(person(), 'email', ['email'], outOfHours)).toEqual({ channel: 'sms', hold: true });
    expect(fallbackChannel(person(), 'email', ['email'], { urgent: true, smsHours: false })).toEqual({
      channel: 'sms',
      hold: false,
    });
    expect(fallbackChannel(person({ smsOutOfHours: true }), 'email', ['email'], outOfHours)).toEqual({
      channel: 'sms',
      hold: false,
    });
  });
});

describe('nextSmsOpening', () => {
  const wd = defaultWorkingDay('england-and-wales');
  it('is the next working day at 08:00 London time', () => {
    // Saturday night → Monday 08:00 GMT.
    expect(nextSmsOpening(new Date('2026-01-17T22:00:00Z'), wd).toISOString()).toBe(
      '2026-01-19T08:00:00.000Z',
    );
    // Tuesday 06:00 → the same morning.
    expect(nextSmsOpening(new Date('2026-01-13T06:00:00Z'), wd).toISOString()).toBe(
      '2026-01-13T08:00:00.000Z',
    );
    // Wednesday 19:00 → Thursday.
    expect(nextSmsOpening(new Date('2026-01-14T19:00:00Z'), wd).toISOString()).toBe(
      '2026-01-15T08:00:00.000Z',
    );
  });
  it('in summer time 08:00 London is 07:00 UTC', () => {
    expect(nextSmsOpening(new Date('2026-07-14T18:30:00Z'), wd).toISOString()).toBe(
      '2026-07-15T07:00:00.000Z',
    );
  });
  it('skips bank holidays of the nation, and the clocks changing on the way', () => {
    // Thursday 2 April 2026 evening → Good Friday and Easter Monday are bank holidays → Tuesday 7 April (BST).
    expect(nextSmsOpening(new Date('2026-04-02T18:30:00Z'), wd).toISOString()).toBe(
      '2026-04-07T07:00:00.000Z',
    );
    // Friday 27 March 2026 evening (GMT) → Monday 30 March, after the clocks went forward.
    expect(nextSmsOpening(new Date('2026-03-27T19:00:00Z'), wd).toISOString()).toBe(
      '2026-03-30T07:00:00.000Z',
    );
    // Scotland: 2 January is a holiday there.
    expect(
      nextSmsOpening(new Date('2026-01-01T12:00:00Z'), defaultWorkingDay('scotland')).toISOString(),
    ).toBe('2026-01-05T08:00:00.000Z');
  });
  it('is now when the hours are open', () => {
    const now = new Date('2026-01-14T10:00:00Z');
    expect(nextSmsOpening(now, wd)).toBe(now);
  });
});

describe('SMS hours: Mon–Fri 08:00–18:00 Europe/London, not bank holidays', () => {
  const wd = defaultWorkingDay('england-and-wales');
  it('reads the London wall clock in winter (GMT) and summer (BST)', () => {
    expect(londonWallClock(new Date('2026-01-14T07:59:00Z'))).toEqual({ date: '2026-01-14', time: '07:59' });
    expect(londonWallClock(new Date('2026-07-14T07:30:00Z'))).toEqual({ date: '2026-07-14', time: '08:30' });
    expect(londonWallClock(new Date('2026-07-14T23:30:00Z'))).toEqual({ date: '2026-07-15', time: '00:30' });
  });
  it('opens at 08:00 and closes at 18:00', () => {
    expect(isSmsHours(new Date('2026-01-14T07:59:00Z'), wd)).toBe(false);
    expect(isSmsHours(new Date('2026-01-14T08:00:00Z'), wd)).toBe(true);
    expect(isSmsHours(new Date('2026-01-14T17:59:00Z'), wd)).toBe(true);
    expect(isSmsHours(new Date('2026-01-14T18:00:00Z'), wd)).toBe(false);
    // BST: 07:30 UTC is 08:30 in London.
    expect(isSmsHours(new Date('2026-07-14T07:30:00Z'), wd)).toBe(true);
    expect(isSmsHours(new Date('2026-07-14T17:30:00Z'), wd)).toBe(false);
  });
  it('not at weekends', () => {
    expect(isSmsHours(new Date('2026-01-17T12:00:00Z'), wd)).toBe(false); // Saturday
    expect(isSmsHours(new Date('2026-01-18T12:00:00Z'), wd)).toBe(false); // Sunday
  });
  it('not on bank holidays (Good Friday 2026, Christmas Day 2026)', () => {
    expect(isSmsHours(new Date('2026-04-03T11:00:00Z'), wd)).toBe(false);
    expect(isSmsHours(new Date('2026-12-25T12:00:00Z'), wd)).toBe(false);
    expect(isSmsHours(new Date('2026-04-07T11:00:00Z'), wd)).toBe(true);
  });
  it('Scottish bank holidays differ (2 January)', () => {
    expect(isSmsHours(new Date('2026-01-02T12:00:00Z'), defaultWorkingDay('scotland'))).toBe(false);
    expect(isSmsHours(new Date('2026-01-02T12:00:00Z'), wd)).toBe(true);
  });
});

// Issue 12: the protocol's channel setting combined with each person's preferences
// (docs/notifications.md, "Which channels").
describe('planChannels with the protocol’s channel setting', () => {
  const discouraged = { ...inHours, protocol: { email: 'discouraged', sms: 'allowed' } as const };
  const noTexts = { ...inHours, protocol: { email: 'allowed', sms: 'not-allowed' } as const };

  it('email discouraged: a person who accepts texts gets the text without the email', () => {
    expect(planChannels(person({ channels: ['email', 'sms'] }), discouraged).channels).toEqual(['sms']);
    expect(planChannels(person({ channels: ['sms', 'email'] }), discouraged).channels).toEqual(['sms']);
  });

  it('email discouraged: a meeting invitation still goes by email, beside the text', () => {
    expect(
      planChannels(person({ channels: ['email', 'sms'] }), { ...discouraged, carriesInvitation: true })
        .channels,
    ).toEqual(['email', 'sms']);
  });

  it('email discouraged: a person who accepts only email, or has no phone number, still gets email', () => {
    expect(planChannels(person({ channels: ['email'] }), discouraged).channels).toEqual(['email']);
    expect(planChannels(person({ channels: ['email', 'sms'], phone: null }), discouraged).channels).toEqual([
      'email',
    ]);
  });

  it('email discouraged, urgent and out of hours: the email goes at once rather than wait for the text', () => {
    const night = { ...discouraged, smsHours: false, urgent: true };
    expect(planChannels(person({ channels: ['email', 'sms'] }), night)).toMatchObject({
      channels: ['email'],
      held: [],
    });
  });

  it('texts not allowed: never planned, the email goes instead, and nobody is reached by phone alone', () => {
    expect(planChannels(person({ channels: ['email', 'sms'] }), noTexts).channels).toEqual(['email']);
    expect(planChannels(person({ channels: ['sms'] }), noTexts).channels).toEqual(['email']);
    expect(planChannels(person({ channels: ['sms'], email: null }), noTexts)).toMatchObject({
      unreachable: true,
      wanted: 'email',
    });
  });

  it('texts not allowed: no text as the fallback of a failed email; a discouraged email is a text’s fallback', () => {
    expect(fallbackChannel(person(), 'email', ['email'], noTexts)).toBeNull();
    expect(fallbackChannel(person({ channels: ['sms'] }), 'sms', ['sms'], discouraged)).toEqual({
      channel: 'email',
      hold: false,
    });
  });

  it('without a setting, every channel is allowed (as before)', () => {
    expect(planChannels(person({ channels: ['email', 'sms'] }), inHours).channels).toEqual(['email', 'sms']);
  });
});
