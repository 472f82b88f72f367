import { isFinalStatus } from './activities';

describe('isFinalStatus', () => {
  it('stops at a 4xx: the receiver refused this delivery', () => {
    for (const status of [400, 401, 403, 404, 410, 413, 422]) expect(isFinalStatus(status)).toBe(true);
  });

  it('retries a timeout, a rate limit and any 5xx', () => {
    for (const status of [408, 429, 500, 502, 503, 504]) expect(isFinalStatus(status)).toBe(false);
  });
});
