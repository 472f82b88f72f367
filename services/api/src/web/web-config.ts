import { z } from 'zod';
import {
  deploymentSettings,
  httpUrl,
  isLocalHost,
  loadServiceConfig,
  unsetWhenEmpty,
  wholeNumber,
} from '@resolve/config';

/**
 * The web service's settings. Sign-in is OpenID Connect (authorization code flow with PKCE)
 * against WEB_OIDC_ISSUER, e.g. Microsoft Entra ID's
 * `https://login.microsoftonline.com/<tenant-id>/v2.0`, with the client registered there and
 * `${WEB_BASE_URL}/sign-in/callback` as its redirect URI. Without an issuer the pages say that
 * sign-in is not set up; `npm start` runs a local provider and sets these for it.
 */
export const webConfigSchema = z
  .object({
    ...deploymentSettings,
    /** The address people open the web service at (links, the sign-in callback, Secure cookies). */
    WEB_BASE_URL: httpUrl.default('http://localhost:3000'),
    WEB_OIDC_ISSUER: unsetWhenEmpty(httpUrl),
    WEB_OIDC_CLIENT_ID: unsetWhenEmpty(z.string().min(1)),
    WEB_OIDC_CLIENT_SECRET: unsetWhenEmpty(z.string().min(1)),
    WEB_OIDC_SCOPE: z.string().min(1).default('openid profile'),
    /** `login` makes the provider ask who is signing in every time; `select_account` (Entra) offers a choice. */
    WEB_OIDC_PROMPT: unsetWhenEmpty(z.enum(['login', 'select_account', 'consent'])),
    /** The ID token claim naming the person, matched to the directory's identity subject (Entra: `oid` or `sub`). */
    WEB_OIDC_SUBJECT_CLAIM: z.string().min(1).default('sub'),
    /** Minutes without a request after which a session ends. */
    WEB_SESSION_IDLE_MINUTES: wholeNumber({ min: 1, max: 720 }).default(30),
    /** Hours after which a session ends whatever its activity. */
    WEB_SESSION_MAX_HOURS: wholeNumber({ min: 1, max: 24 }).default(10),
  })
  .superRefine((c, ctx) => {
    if (c.WEB_OIDC_ISSUER && !(c.WEB_OIDC_CLIENT_ID && c.WEB_OIDC_CLIENT_SECRET))
      ctx.addIssue({
        code: 'custom',
        path: ['WEB_OIDC_CLIENT_ID'],
        message: 'WEB_OIDC_ISSUER is set: set WEB_OIDC_CLIENT_ID and WEB_OIDC_CLIENT_SECRET too',
      });
    // Production with sign-in set up: the partnership's provider over https, cookies marked
    // Secure. Without an issuer the pages only say sign-in is not set up, and the API runs as before.
    if (c.RESOLVE_ENV !== 'production' || !c.WEB_OIDC_ISSUER) return;
    for (const name of ['WEB_BASE_URL', 'WEB_OIDC_ISSUER'] as const) {
      const value = c[name];
      if (!value) continue;
      const url = new URL(value);
      if (url.protocol !== 'https:' || isLocalHost(url.hostname))
        ctx.addIssue({
          code: 'custom',
          path: [name],
          message: `must be an https:// address others can reach under RESOLVE_ENV=production (got ${url.protocol}//${url.hostname})`,
        });
    }
  });

export type WebConfig = z.infer<typeof webConfigSchema>;

export function loadWebConfig(env: Record<string, string | undefined>): WebConfig {
  return loadServiceConfig(webConfigSchema, env);
}
