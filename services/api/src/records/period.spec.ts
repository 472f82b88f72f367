import { ApiError } from '../common/api-error';
import { onlyKnownParameters, parseBound, parsePeriod } from './period';

describe('period parameters', () => {
  it('reads dates in Europe/London, with `to` including its whole day', () => {
    expect(parseBound('from', '2026-04-01')).toBe('2026-03-31T23:00:00.000Z');
    expect(parseBound('to', '2027-03-31')).toBe('2027-03-31T23:00:00.000Z');
    expect(parseBound('from', '2026-01-01')).toBe('2026-01-01T00:00:00.000Z');
    expect(parseBound('to', '2026-12-31')).toBe('2027-01-01T00:00:00.000Z');
  });

  it('reads instants with a zone', () => {
    expect(parseBound('to', '2026-04-01T10:00:00+01:00')).toBe('2026-04-01T09:00:00.000Z');
    expect(parseBound('from', '2026-04-01T10:00Z')).toBe('2026-04-01T10:00:00.000Z');
  });

  it('refuses anything else, naming the parameter', () => {
    for (const bad of [
      'yesterday',
      '2026-02-30',
      '2026-04-01T10:00:00',
      '01/04/2026',
      '',
      ['2026-01-01', '2026-02-01'],
    ]) {
      try {
        parseBound('from', bad);
        throw new Error(`accepted ${String(bad)}`);
      } catch (err) {
        expect(err).toBeInstanceOf(ApiError);
        expect((err as ApiError).code).toBe('validation-failed');
        expect((err as ApiError).message).toMatch(/^from: /);
      }
    }
    expect(() => parseBound('to', 'x')).toThrow(/^to: /);
  });

  it('needs from before to, and applies defaults', () => {
    expect(() => parsePeriod({ from: '2026-05-01', to: '2026-04-01' })).toThrow(/^from: must be before to/);
    expect(parsePeriod({})).toEqual({ from: null, to: null });
    expect(
      parsePeriod(
        {},
        { to: () => '2026-06-01T00:00:00.000Z', from: (to) => `${to.slice(0, 4)}-01-01T00:00:00.000Z` },
      ),
    ).toEqual({
      from: '2026-01-01T00:00:00.000Z',
      to: '2026-06-01T00:00:00.000Z',
    });
  });

  it('refuses unknown parameters by name', () => {
    expect(() => onlyKnownParameters({ form: 'x' }, ['from', 'to'])).toThrow(
      'unknown query parameter(s): form; known: from, to',
    );
  });
});
