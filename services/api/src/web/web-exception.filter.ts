import { Catch, HttpException, Injectable, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Request, Response } from 'express';
import { ApiError, STATUS_BY_CODE } from '../common/api-error';
import { logger } from '../common/logger';
import { SignInFailed } from './openid-client';
import { pageContext } from './page-context';
import { WebRenderer } from './web-renderer';
import { FormRejected, SignInRequired, type SignedInRequest } from './web-request';
import { WebSessions } from './web-sessions';

const TITLES: Record<number, string> = {
  400: 'There is a problem with this request',
  403: 'You do not have permission to see this page',
  404: 'Page not found',
  409: 'This is not available yet',
  429: 'Too many requests',
  503: 'Sorry, the service is unavailable',
};

/**
 * Errors on the pages, as pages (GOV.UK error page patterns) rather than the API's JSON: sign-in
 * when there is no session, 404 for a case the person may not see (as for one that does not
 * exist), and for anything unexpected a page that says so, with the error logged by kind only.
 */
@Injectable()
@Catch()
export class WebExceptionFilter implements ExceptionFilter {
  constructor(
    private readonly sessions: WebSessions,
    private readonly renderer: WebRenderer,
  ) {}

  async catch(err: unknown, host: ArgumentsHost): Promise<void> {
    const req = host.switchToHttp().getRequest<Request>();
    const res = host.switchToHttp().getResponse<Response>();
    try {
      if (err instanceof SignInRequired) {
        await this.sessions.start(req, res, { returnTo: err.returnTo });
        res.redirect(303, '/sign-in');
        return;
      }
      const context = pageContext(req as Partial<SignedInRequest>);
      if (err instanceof FormRejected) {
        this.renderer.page(
          res,
          'error.njk',
          {
            ...context,
            title: 'Your form could not be sent',
            message:
              'The form had expired or did not come from this service. Go back, reload the page and try again.',
          },
          400,
        );
        return;
      }
      if (err instanceof SignInFailed) {
        this.renderer.page(
          res,
          'error.njk',
          {
            ...context,
            title: 'Sign-in did not complete',
            message: `${err.message}.`,
            link: { href: '/sign-in', text: 'Sign in again' },
          },
          400,
        );
        return;
      }
      const status =
        err instanceof ApiError
          ? STATUS_BY_CODE[err.code]
          : err instanceof HttpException
            ? err.getStatus()
            : 500;
      if (status >= 500 && !(err instanceof ApiError))
        // The path has ids only; the message and stack are not logged, they may quote a form.
        logger.error('web page failed', {
          path: req.route?.path ?? 'unknown',
          error: (err as Error)?.name ?? 'unknown',
        });
      const message =
        status === 404
          ? 'If you typed the web address, check it is correct. If you followed a link to a case, you may not be a party to it.'
          : err instanceof ApiError
            ? `${err.message.charAt(0).toUpperCase()}${err.message.slice(1)}.`
            : status >= 500
              ? 'Try again later.'
              : 'Go back and try again.';
      this.renderer.page(
        res,
        'error.njk',
        {
          ...context,
          title:
            TITLES[status] ??
            (status >= 500 ? 'Sorry, there is a problem with the service' : 'There is a problem'),
          message,
        },
        status,
      );
    } catch (inner) {
      logger.error('web error page failed', { error: (inner as Error)?.name ?? 'unknown' });
      if (!res.headersSent)
        res.status(500).type('text/plain').send('Sorry, there is a problem with the service.');
    }
  }
}
