import type { Request, Response } from 'express';
import { codecCors, parseOrigins } from './codec-cors';
import { codecCookieAuth, cookieValue } from './codec-session';

function call(
  mw: (req: Request, res: Response, next: () => void) => void,
  method: string,
  headers: Record<string, string>,
) {
  const out = {
    status: 0,
    headers: {} as Record<string, string>,
    body: undefined as unknown,
    next: false,
    ended: false,
  };
  const res = {
    setHeader: (k: string, v: string) => (out.headers[k.toLowerCase()] = v),
    status(code: number) {
      out.status = code;
      return this;
    },
    json(b: unknown) {
      out.body = b;
      out.ended = true;
    },
    end() {
      out.ended = true;
    },
  } as unknown as Response;
  const req = { method, headers: { host: 'api.test', ...headers }, protocol: 'http' } as unknown as Request;
  mw(req, res, () => (out.next = true));
  return { ...out, req };
}

describe('codec CORS', () => {
  const mw = codecCors(['http://127.0.0.1:8233']);

  it('answers the UI origin’s preflight with the headers the UI sends', () => {
    const r = call(mw, 'OPTIONS', { origin: 'http://127.0.0.1:8233' });
    expect(r.status).toBe(204);
    expect(r.headers['access-control-allow-origin']).toBe('http://127.0.0.1:8233');
    expect(r.headers['access-control-allow-headers']).toBe('Authorization, Content-Type, X-Namespace');
    expect(r.headers['access-control-allow-credentials']).toBe('true');
    expect(r.next).toBe(false);
  });

  it('refuses every other origin, preflight or not', () => {
    for (const method of ['OPTIONS', 'POST']) {
      const r = call(mw, method, { origin: 'http://evil.test' });
      expect(r.status).toBe(403);
      expect(r.headers['access-control-allow-origin']).toBeUndefined();
      expect(r.next).toBe(false);
    }
  });

  it('lets through requests without an Origin (CLI) and the API’s own origin (the session form)', () => {
    expect(call(mw, 'POST', {}).next).toBe(true);
    const own = call(mw, 'POST', { origin: 'http://api.test' });
    expect(own.next).toBe(true);
    expect(own.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('parses CODEC_CORS_ORIGINS', () => {
    expect(parseOrigins(' http://a:1/, https://b ,,')).toEqual(['http://a:1', 'https://b']);
    expect(parseOrigins(undefined)).toEqual([]);
  });
});

describe('codec cookie', () => {
  it('stands in for a missing Authorization header only', () => {
    const jwt = 'aaa.bbb.ccc';
    expect(cookieValue(`x=1; resolve_codec=${jwt}; y=2`, 'resolve_codec')).toBe(jwt);
    expect(call(codecCookieAuth, 'POST', { cookie: `resolve_codec=${jwt}` }).req.headers.authorization).toBe(
      `Bearer ${jwt}`,
    );
    expect(
      call(codecCookieAuth, 'POST', { cookie: `resolve_codec=${jwt}`, authorization: 'Bearer other' }).req
        .headers.authorization,
    ).toBe('Bearer other');
    expect(
      call(codecCookieAuth, 'POST', { cookie: 'resolve_codec=not a jwt' }).req.headers.authorization,
    ).toBeUndefined();
  });
});
