import { Inject, Injectable, type ExecutionContext } from '@nestjs/common';
import { ThrottlerException, ThrottlerGuard, type ThrottlerLimitDetail } from '@nestjs/throttler';
import type { ThrottlerRequest } from '@nestjs/throttler/dist/throttler.guard.interface';
import type { Request } from 'express';
import type { TokenVerifier } from '../../auth/token-verifier';
import { TOKEN_VERIFIER } from '../../auth/auth.guard';
import { RATE_LIMIT_GROUP, type RateLimitGroup, type RateLimits } from './rate-limits';

export const RATE_LIMITS = Symbol('RATE_LIMITS');

/**
 * Rate limits per caller and route group. A request with a valid bearer token counts against its
 * subject, wherever it comes from (one person behind many addresses, or many people behind one
 * council's proxy); anything else counts against its address (`TRUST_PROXY` says which proxies'
 * X-Forwarded-For to believe). The token is verified here: a made-up subject would otherwise
 * give an attacker a fresh budget per request.
 */
@Injectable()
export class CallerThrottlerGuard extends ThrottlerGuard {
  @Inject(TOKEN_VERIFIER) private readonly verifier!: TokenVerifier;
  @Inject(RATE_LIMITS) private readonly limits!: RateLimits;

  protected override async getTracker(raw: Record<string, unknown>): Promise<string> {
    const req = raw as unknown as Request;
    const header = req.headers?.authorization;
    const token = typeof header === 'string' && /^Bearer /i.test(header) ? header.slice(7).trim() : null;
    if (token) {
      const subject = await this.verifier.verify(token).catch(() => null);
      if (subject) return `caller:${subject}`;
    }
    return `address:${req.ip ?? 'unknown'}`;
  }

  protected override async handleRequest(request: ThrottlerRequest): Promise<boolean> {
    const group =
      this.reflector.getAllAndOverride<RateLimitGroup | undefined>(RATE_LIMIT_GROUP, [
        request.context.getHandler(),
        request.context.getClass(),
      ]) ?? 'default';
    return super.handleRequest({
      ...request,
      limit: this.limits[group],
      // One budget per group and caller, not per route.
      generateKey: (_context, tracker) => `${group}|${tracker}`,
    });
  }

  /** A refusal that says which budget ran out and when to try again. */
  protected override async throwThrottlingException(
    _context: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    const group = detail.key.split('|')[0];
    throw new ThrottlerException(
      `too many requests: ${detail.limit} a minute per caller for ${group === 'default' ? 'these routes' : `the ${group} routes`}; try again in ${detail.timeToBlockExpire} s`,
    );
  }
}
