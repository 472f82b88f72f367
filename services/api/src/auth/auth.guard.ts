import {
  Inject,
  Injectable,
  createParamDecorator,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import type { Request } from 'express';
import { DirectoryRepository } from '@resolve/persistence';
import { ApiError } from '../common/api-error';
import { loadCaller, type Caller } from './caller';
import { TokenRejected, type TokenVerifier } from './token-verifier';

export const TOKEN_VERIFIER = Symbol('TOKEN_VERIFIER');

/** Bearer JWT verified against the configured issuer and key set; the subject names a directory person. */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    @Inject(TOKEN_VERIFIER) private readonly verifier: TokenVerifier,
    private readonly directory: DirectoryRepository,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<Request & { caller?: Caller }>();
    const header = req.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) throw new ApiError('unauthenticated', 'send a bearer token in the Authorization header');
    let subject: string;
    try {
      subject = await this.verifier.verify(match[1]);
    } catch (err) {
      // A refusal of the token's kind (an ID token, a wrong type or algorithm) says so, so that an
      // integrator can fix the client; anything else (signature, expiry) stays one message.
      if (err instanceof TokenRejected)
        throw new ApiError('unauthenticated', `the bearer token was refused: ${err.message}`);
      throw new ApiError('unauthenticated', 'the bearer token is invalid or expired');
    }
    const caller = await loadCaller(this.directory, subject);
    if (!caller)
      throw new ApiError('unauthenticated', 'the token does not belong to anyone in the directory');
    req.caller = caller;
    return true;
  }
}

export const CurrentCaller = createParamDecorator((_: unknown, ctx: ExecutionContext): Caller => {
  return ctx.switchToHttp().getRequest<{ caller: Caller }>().caller;
});
