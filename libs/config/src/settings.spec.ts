import { z } from 'zod';
import {
  booleanSetting,
  ConfigurationError,
  hostAndPort,
  milliseconds,
  originList,
  readConfig,
  temporalSettings,
  wholeNumber,
} from './index';

function problems(schema: z.ZodType, env: Record<string, string | undefined>): string[] {
  try {
    readConfig(schema, env);
  } catch (err) {
    if (err instanceof ConfigurationError) return err.problems;
    throw err;
  }
  return [];
}

describe('strict settings', () => {
  const schema = z.object({
    INTERVAL_MS: milliseconds({ min: 100, max: 60_000 }).default(5000),
    COUNT: wholeNumber({ min: 1, max: 10 }).default(3),
    FLAG: booleanSetting.default(false),
  });

  it('defaults and exact values', () => {
    expect(readConfig(schema, {})).toEqual({ INTERVAL_MS: 5000, COUNT: 3, FLAG: false });
    expect(readConfig(schema, { INTERVAL_MS: '250', COUNT: '10', FLAG: 'true' })).toEqual({
      INTERVAL_MS: 250,
      COUNT: 10,
      FLAG: true,
    });
  });

  it.each([
    [
      '5s',
      /INTERVAL_MS: must be a whole number of milliseconds without a unit \(e\.g\. 5000 for five seconds\), got "5s"/,
    ],
    ['5000ms', /without a unit/],
    ['1.5 s', /without a unit/],
    ['', /INTERVAL_MS: must be a whole number of milliseconds, got ""/],
    ['1e3', /must be a whole number of milliseconds, got "1e3"/],
    ['0x10', /must be a whole number of milliseconds/],
    ['-5', /must be a whole number of milliseconds/],
    ['50', /INTERVAL_MS: must be at least 100 ms/],
    ['600000', /INTERVAL_MS: must be at most 60000 ms/],
  ])('a duration of %p is refused by name', (value, message) => {
    expect(problems(schema, { INTERVAL_MS: value })).toEqual([expect.stringMatching(message)]);
  });

  it.each([
    ['', /COUNT: must be a whole number, got ""/],
    [' 3', /must be a whole number/],
    ['2.5', /must be a whole number/],
    ['0', /COUNT: must be at least 1/],
    ['11', /COUNT: must be at most 10/],
  ])('a number of %p is refused by name', (value, message) => {
    expect(problems(schema, { COUNT: value })).toEqual([expect.stringMatching(message)]);
  });

  it.each(['yes', '1', 'TRUE', ''])('a boolean of %p is refused', (value) => {
    expect(problems(schema, { FLAG: value })).toEqual([expect.stringMatching(/^FLAG: /)]);
  });

  it('every bad setting is named at once', () => {
    expect(
      problems(schema, { INTERVAL_MS: '5s', COUNT: 'x', FLAG: 'on' }).map((p) => p.split(':')[0]),
    ).toEqual(['INTERVAL_MS', 'COUNT', 'FLAG']);
  });

  it('host:port', () => {
    const address = hostAndPort('127.0.0.1:7233');
    for (const ok of ['temporal:7233', '127.0.0.1:1', '[::1]:7233', 'a.b.example:65535'])
      expect(address.safeParse(ok).success).toBe(true);
    for (const bad of ['temporal', 'temporal:0', 'temporal:65536', 'temporal:72x3', ':7233', 'http://t:7233'])
      expect(address.safeParse(bad).success).toBe(false);
    expect(problems(z.object(temporalSettings), { TEMPORAL_ADDRESS: 'temporal:99999' })).toEqual([
      'TEMPORAL_ADDRESS: must be host:port with a port from 1 to 65535, e.g. 127.0.0.1:7233',
    ]);
  });

  it('origins', () => {
    expect(originList.parse(' https://ui.example:8080 , http://127.0.0.1:8233')).toEqual([
      'https://ui.example:8080',
      'http://127.0.0.1:8233',
    ]);
    for (const bad of ['https://ui.example/', 'ui.example', 'https://ui.example/path', 'ftp://ui.example'])
      expect(originList.safeParse(bad).success).toBe(false);
  });
});
