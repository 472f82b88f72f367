import { LodgedController } from './lodged.controller';
import {
  Module,
  RequestMethod,
  type DynamicModule,
  type MiddlewareConsumer,
  type NestModule,
} from '@nestjs/common';
import express, { type NextFunction, type Request, type Response } from 'express';
import { AssetsController } from './assets.controller';
import { CasesController } from './cases.controller';
import { DashboardController } from './dashboard.controller';
import { DirectoryPagesController } from './directory-pages.controller';
import { OpenIdClient } from './openid-client';
import { RaiseController } from './raise.controller';
import { OPENID_CLIENT, SignInController } from './sign-in.controller';
import { WebApplication } from './web-application';
import { loadWebConfig, type WebConfig } from './web-config';
import { WebExceptionFilter } from './web-exception.filter';
import { WebRenderer } from './web-renderer';
import { WebSessions } from './web-sessions';
import { WebSignedInGuard } from './web-signed-in.guard';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A link from an email (`${PUBLIC_BASE_URL}/escalations/<id>`, services/notifier) opened in a
 * browser: a request for HTML without a bearer token goes to the case's page (which signs the
 * person in first). API clients, which send a token or ask for JSON, are not affected.
 */
export function emailLinkToCasePage(req: Request, res: Response, next: NextFunction) {
  const id = /^\/escalations\/([^/?]+)\/?(?:\?.*)?$/.exec(req.originalUrl)?.[1];
  const wantsPage = /\btext\/html\b/.test(req.headers.accept ?? '');
  if (id && UUID.test(id) && wantsPage && !req.headers.authorization)
    return res.redirect(303, `/cases/${id}`);
  next();
}

const PAGE_CONTROLLERS = [
  SignInController,
  CasesController,
  RaiseController,
  DashboardController,
  DirectoryPagesController,
  LodgedController,
];

/**
 * The web service for people (issue 14): server-rendered GOV.UK pages on the API's own
 * application layer, signed in with OpenID Connect. Settings: web-config.ts.
 */
@Module({})
export class WebModule implements NestModule {
  static register(env: Record<string, string | undefined> = process.env): DynamicModule {
    const config: WebConfig = loadWebConfig(env);
    const baseUrl = config.WEB_BASE_URL.replace(/\/+$/, '');
    const openId =
      config.WEB_OIDC_ISSUER && config.WEB_OIDC_CLIENT_ID && config.WEB_OIDC_CLIENT_SECRET
        ? new OpenIdClient({
            issuer: config.WEB_OIDC_ISSUER,
            clientId: config.WEB_OIDC_CLIENT_ID,
            clientSecret: config.WEB_OIDC_CLIENT_SECRET,
            redirectUri: `${baseUrl}/sign-in/callback`,
            scope: config.WEB_OIDC_SCOPE,
            prompt: config.WEB_OIDC_PROMPT,
            subjectClaim: config.WEB_OIDC_SUBJECT_CLAIM,
          })
        : null;
    return {
      module: WebModule,
      controllers: [...PAGE_CONTROLLERS, AssetsController],
      providers: [
        WebApplication,
        WebRenderer,
        { provide: OPENID_CLIENT, useValue: openId },
        {
          provide: WebSessions,
          useFactory: (app: WebApplication) => new WebSessions(() => app.sessions, config),
          inject: [WebApplication],
        },
        WebSignedInGuard,
        WebExceptionFilter,
      ],
    };
  }

  configure(consumer: MiddlewareConsumer) {
    consumer
      .apply(express.urlencoded({ extended: false, limit: '200kb', parameterLimit: 200 }))
      .forRoutes(...PAGE_CONTROLLERS);
    consumer.apply(emailLinkToCasePage).forRoutes({ path: 'escalations/:id', method: RequestMethod.GET });
  }
}
