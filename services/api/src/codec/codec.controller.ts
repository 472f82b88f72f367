import { Body, Controller, Headers, HttpCode, Inject, Post, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { PayloadCodec } from '@temporalio/common';
import {
  PayloadDecryptionError,
  payloadsFromJson,
  payloadsToJson,
  RemoteCodecBodyError,
} from '@resolve/temporal';
import { AuthGuard, CurrentCaller } from '../auth/auth.guard';
import type { Caller } from '../auth/caller';
import { ApiError } from '../common/api-error';
import { logger } from '../common/logger';

export const CODEC_SETTINGS = Symbol('CODEC_SETTINGS');

export interface CodecSettings {
  codec: PayloadCodec;
  /** The Temporal namespace whose payloads this codec serves (a non-empty X-Namespace must name it). */
  namespace: string;
}

/** Partnership roles that may read decoded workflow payloads in the Temporal UI. */
export const CODEC_ROLES = ['business-manager', 'independent-chair'] as const;

/**
 * Temporal's remote codec protocol for the Web UI and the CLI: `POST /codec/decode` and
 * `POST /codec/encode`, body `{ payloads: [{ metadata: { k: base64 }, data: base64 }] }`.
 * Bearer token required, held by a partnership's business manager or independent chair.
 * CORS (the UI's origin only) is handled before this controller, by codecCors in app.ts.
 * Operators' plumbing, not the agencies' API: not in the OpenAPI document.
 */
@ApiExcludeController()
@UseGuards(AuthGuard)
@Controller('codec')
export class CodecController {
  constructor(@Inject(CODEC_SETTINGS) private readonly settings: CodecSettings) {}

  @Post('decode')
  @HttpCode(200)
  decode(
    @CurrentCaller() caller: Caller,
    @Headers('x-namespace') namespace: string | undefined,
    @Body() body: unknown,
  ) {
    return this.run('decode', caller, namespace, body);
  }

  @Post('encode')
  @HttpCode(200)
  encode(
    @CurrentCaller() caller: Caller,
    @Headers('x-namespace') namespace: string | undefined,
    @Body() body: unknown,
  ) {
    return this.run('encode', caller, namespace, body);
  }

  private async run(
    direction: 'decode' | 'encode',
    caller: Caller,
    namespace: string | undefined,
    body: unknown,
  ) {
    if (!caller.partnershipRoles.some((r) => (CODEC_ROLES as readonly string[]).includes(r))) {
      throw new ApiError(
        'forbidden',
        "only the partnership's business manager or independent chair may use the codec",
      );
    }
    // The CLI sends an empty X-Namespace; the UI sends the namespace it shows.
    if (namespace && namespace !== this.settings.namespace) {
      throw new ApiError(
        'validation-failed',
        `X-Namespace: this codec serves namespace "${this.settings.namespace}"`,
      );
    }
    let payloads;
    try {
      payloads = payloadsFromJson(body);
    } catch (err) {
      if (err instanceof RemoteCodecBodyError) throw new ApiError('validation-failed', err.message);
      throw err;
    }
    try {
      const out =
        direction === 'decode'
          ? await this.settings.codec.decode(payloads)
          : await this.settings.codec.encode(payloads);
      logger.info('codec used', { direction, personId: caller.personId, payloads: payloads.length });
      return payloadsToJson(out);
    } catch (err) {
      if (err instanceof PayloadDecryptionError) throw new ApiError('validation-failed', err.message);
      throw err;
    }
  }
}
