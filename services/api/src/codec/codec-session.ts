import { Body, Controller, Get, Headers, HttpCode, Inject, Post, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { NextFunction, Request, Response } from 'express';
import { DirectoryRepository } from '@resolve/persistence';
import { TOKEN_VERIFIER } from '../auth/auth.guard';
import { loadCaller } from '../auth/caller';
import type { TokenVerifier } from '../auth/token-verifier';
import { ApiError } from '../common/api-error';
import { CODEC_ROLES } from './codec.controller';

/**
 * A cookie holding the bearer token, for a Temporal UI that cannot send one itself (the dev
 * server's UI has no sign-in, and the UI sends its own access token only to an https codec).
 * The UI's "Include cross-origin credentials" codec setting makes the browser send it. It is
 * HttpOnly, SameSite=Strict (sent only from the same site: 127.0.0.1:8233 and 127.0.0.1:3000 are
 * one site) and scoped to /codec; the token inside is checked on every request as a header is.
 */
export const CODEC_COOKIE = 'resolve_codec';
const MAX_AGE_SECONDS = 8 * 3600;

export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return decodeURIComponent(v.join('='));
  }
  return undefined;
}

/** On /codec: the cookie stands in for a missing Authorization header. */
export function codecCookieAuth(req: Request, _res: Response, next: NextFunction) {
  if (!req.headers.authorization) {
    const token = cookieValue(req.headers.cookie, CODEC_COOKIE);
    if (token && /^[\w-]+\.[\w-]+\.[\w-]+$/.test(token)) req.headers.authorization = `Bearer ${token}`;
  }
  next();
}

const page = (body: string) =>
  `<!doctype html><meta charset="utf-8"><title>Resolve: payload codec</title><body style="font-family:sans-serif;max-width:40em;margin:2em auto">${body}</body>`;

@ApiExcludeController()
@Controller('codec/session')
export class CodecSessionController {
  constructor(
    @Inject(TOKEN_VERIFIER) private readonly verifier: TokenVerifier,
    private readonly directory: DirectoryRepository,
  ) {}

  @Get()
  form(@Res() res: Response) {
    res
      .type('html')
      .send(
        page(
          `<h1>Decode payloads in the Temporal UI</h1><p>Paste the bearer token of a business manager or independent chair. ` +
            `It is kept in an HttpOnly cookie for the codec only, for up to 8 hours.</p>` +
            `<form method="post" action="/codec/session"><textarea name="token" rows="6" cols="70" required></textarea><br><button>Use this token</button></form>`,
        ),
      );
  }

  /** Body `token=<jwt>` (the form) or an Authorization header; answers with the cookie set. */
  @Post()
  @HttpCode(200)
  async start(
    @Req() req: Request,
    @Body() body: { token?: unknown },
    @Headers('authorization') authorization: string | undefined,
    @Res() res: Response,
  ) {
    const token =
      typeof body?.token === 'string'
        ? body.token.trim()
        : /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
    if (!token)
      throw new ApiError(
        'unauthenticated',
        'send a bearer token (form field "token" or the Authorization header)',
      );
    let subject: string;
    try {
      subject = await this.verifier.verify(token);
    } catch {
      throw new ApiError('unauthenticated', 'the bearer token is invalid or expired');
    }
    const caller = await loadCaller(this.directory, subject);
    if (!caller)
      throw new ApiError('unauthenticated', 'the token does not belong to anyone in the directory');
    if (!caller.partnershipRoles.some((r) => (CODEC_ROLES as readonly string[]).includes(r))) {
      throw new ApiError(
        'forbidden',
        "only the partnership's business manager or independent chair may use the codec",
      );
    }
    const secure = req.protocol === 'https' ? '; Secure' : '';
    res.setHeader(
      'Set-Cookie',
      `${CODEC_COOKIE}=${encodeURIComponent(token)}; Path=/codec; HttpOnly; SameSite=Strict; Max-Age=${MAX_AGE_SECONDS}${secure}`,
    );
    res
      .type('html')
      .send(
        page(
          `<h1>Codec ready</h1><p>Signed in as ${caller.personId.replace(/[^\w.-]/g, '')}. In the Temporal UI, open the codec settings, ` +
            `set the endpoint to this API's <code>/codec</code> and tick "Include cross-origin credentials".</p>`,
        ),
      );
  }
}
