import { timingSafeEqual } from 'node:crypto';
import { Body, Controller, Headers, HttpCode, Inject, Post, Req } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request } from 'express';
import twilio from 'twilio';
import { applyProviderCallback } from '@resolve/delivery-receipts';
import { DeliveriesRepository } from '@resolve/persistence';
import { ApiError } from '../common/api-error';

export const CALLBACK_SECRETS = Symbol('CALLBACK_SECRETS');

export interface CallbackSecrets {
  /** The bearer token configured for GOV.UK Notify's delivery-status callbacks. */
  notifyBearerToken?: string;
  /** Twilio auth token (signs X-Twilio-Signature) and the public URL Twilio calls. */
  twilioAuthToken?: string;
  twilioCallbackUrl?: string;
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Delivery receipts from the SMS/email providers. Each provider proves who it is (Notify's
 * bearer token, Twilio's request signature); an unconfigured provider's route answers 404.
 */
@ApiExcludeController()
@Controller('callbacks')
export class ProviderCallbacksController {
  constructor(
    private readonly deliveries: DeliveriesRepository,
    @Inject(CALLBACK_SECRETS) private readonly secrets: CallbackSecrets,
  ) {}

  @Post('govuk-notify')
  @HttpCode(204)
  async notify(@Headers('authorization') authorization: string | undefined, @Body() body: unknown) {
    const token = this.secrets.notifyBearerToken;
    if (!token) throw new ApiError('not-found', 'GOV.UK Notify callbacks are not configured');
    const presented = /^Bearer\s+(.+)$/i.exec(authorization ?? '')?.[1] ?? '';
    if (!sameSecret(presented, token))
      throw new ApiError('unauthenticated', 'callback token missing or wrong');
    await this.apply('govuk-notify', body);
  }

  @Post('twilio')
  @HttpCode(204)
  async twilio(@Headers('x-twilio-signature') signature: string | undefined, @Req() req: Request) {
    const { twilioAuthToken, twilioCallbackUrl } = this.secrets;
    if (!twilioAuthToken || !twilioCallbackUrl)
      throw new ApiError('not-found', 'Twilio callbacks are not configured');
    const params = (req.body ?? {}) as Record<string, string>;
    if (!signature || !twilio.validateRequest(twilioAuthToken, signature, twilioCallbackUrl, params)) {
      throw new ApiError('unauthenticated', 'X-Twilio-Signature missing or wrong');
    }
    await this.apply('twilio', params);
  }

  private async apply(provider: 'govuk-notify' | 'twilio', body: unknown) {
    try {
      await applyProviderCallback(this.deliveries, provider, body);
    } catch (err) {
      if ((err as Error).name === 'ProviderCallbackError')
        throw new ApiError('validation-failed', (err as Error).message);
      throw err;
    }
  }
}
