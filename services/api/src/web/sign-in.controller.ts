import { Controller, Get, Inject, Post, Query, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { loadCaller } from '../auth/caller';
import { OpenIdClient, SignInFailed } from './openid-client';
import { pageContext } from './page-context';
import { WebApplication } from './web-application';
import { WebExceptionFilter } from './web-exception.filter';
import { WebRenderer } from './web-renderer';
import type { SignedInRequest } from './web-request';
import { WebSessions } from './web-sessions';
import { WebSignedInGuard } from './web-signed-in.guard';

export const OPENID_CLIENT = Symbol('OPENID_CLIENT');

/** A sign-in started more than this long ago is not finished (the person starts again). */
const SIGN_IN_WINDOW_MS = 15 * 60_000;

/**
 * Signing in and out. Sign-in is OpenID Connect's authorization code flow with PKCE against the
 * configured identity provider; the ID token's subject names the person in the directory, as a
 * bearer token's does for the API. A new session replaces the one the sign-in started in.
 */
@ApiExcludeController()
@UseFilters(WebExceptionFilter)
@Controller()
export class SignInController {
  constructor(
    private readonly app: WebApplication,
    private readonly sessions: WebSessions,
    private readonly renderer: WebRenderer,
    @Inject(OPENID_CLIENT) private readonly openId: OpenIdClient | null,
  ) {}

  @Get()
  home(@Res() res: Response) {
    res.redirect(303, '/cases');
  }

  @Get('sign-in')
  async signIn(@Req() req: Request, @Res() res: Response) {
    const session = await this.sessions.load(req);
    if (session?.personId) return res.redirect(303, session.returnTo ?? '/cases');
    this.renderer.page(
      res,
      'sign-in.njk',
      { title: 'Sign in to Resolve', configured: this.openId !== null },
      this.openId ? 200 : 503,
    );
  }

  @Get('sign-in/start')
  async start(@Req() req: Request, @Res() res: Response) {
    if (!this.openId) return res.redirect(303, '/sign-in');
    const { url, pending } = await this.openId.authorizationRequest();
    const session = await this.sessions.load(req);
    if (session && !session.personId) await this.sessions.update(session, { pendingSignIn: pending });
    else await this.sessions.start(req, res, { pendingSignIn: pending, returnTo: null });
    res.redirect(303, url);
  }

  @Get('sign-in/callback')
  async callback(@Req() req: Request, @Res() res: Response, @Query() query: Record<string, unknown>) {
    if (!this.openId) return res.redirect(303, '/sign-in');
    const session = await this.sessions.load(req);
    const pending = session?.pendingSignIn;
    if (!session || !pending || Date.now() - Date.parse(pending.startedAt) > SIGN_IN_WINDOW_MS)
      throw new SignInFailed('the sign-in took too long or was started in another browser');
    // One use only: a replayed callback finds nothing pending.
    await this.sessions.update(session, { pendingSignIn: null });
    const subject = await this.openId.finish(query, pending);
    const caller = await loadCaller(this.app.directoryRepository, subject);
    if (!caller) {
      this.renderer.page(
        res,
        'error.njk',
        {
          title: 'You cannot use this service yet',
          message:
            "Your account signed in, but nobody in the partnership's directory has it. Ask your partnership administrator to add you.",
        },
        403,
      );
      return;
    }
    await this.sessions.start(req, res, { personId: caller.personId, subject, returnTo: null });
    res.redirect(303, session.returnTo ?? '/cases');
  }

  @Post('sign-out')
  @UseGuards(WebSignedInGuard)
  async signOut(@Req() req: SignedInRequest, @Res() res: Response) {
    await this.sessions.end(req, res);
    this.renderer.page(res, 'signed-out.njk', { ...pageContext({}), title: 'You have signed out' });
  }
}
