import { defaultWorkingDay, fallbackChannel, isSmsHours, londonWallClock, planChannels } from './channels';
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

  describe('SMS outside working hours', () => {
    it('is dropped for non-urgent notices; email still goes', () => {
      expect(planChannels(person({ channels: ['email', 'sms'] }), outOfHours).channels).toEqual(['email']);
    });
    it('an SMS-only person gets email instead when they have an address', () => {
      expect(planChannels(person({ channels: ['sms'] }), outOfHours).channels).toEqual(['email']);
    });
    it('is withheld when there is no email address to use instead', () => {
      const plan = planChannels(person({ channels: ['sms'], email: null }), outOfHours);
      expect(plan.channels).toEqual([]);
      expect(plan.withheld).toMatch(/outside working hours/);
    });
    it('is sent for urgent notices', () => {
      expect(planChannels(person({ channels: ['sms'] }), { urgent: true, smsHours: false }).channels).toEqual(
        ['sms'],
      );
    });
    it('is sent to people who opted in', () => {
      expect(planChannels(person({ channels: ['sms'], smsOutOfHours: true }), outOfHours).channels).toEqual([
        'sms',
      ]);
    });
  });
});

describe('fallbackChannel', () => {
  it('the other channel when the person has its detail', () => {
    expect(fallbackChannel(person(), 'email', ['email'], inHours)).toBe('sms');
    expect(fallbackChannel(person(), 'sms', ['sms'], inHours)).toBe('email');
  });
  it('none without the contact detail', () => {
    expect(fallbackChannel(person({ phone: null }), 'email', ['email'], inHours)).toBeNull();
  });
  it('none when the other channel was used for this notice already', () => {
    expect(fallbackChannel(person(), 'email', ['email', 'sms'], inHours)).toBeNull();
  });
  it('no SMS fallback outside working hours unless urgent', () => {
    expect(fallbackChannel(person(), 'email', ['email'], outOfHours)).toBeNull();
    expect(fallbackChannel(person(), 'email', ['email'], { urgent: true, smsHours: false })).toBe('sms');
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
