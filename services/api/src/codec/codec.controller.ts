import { Body, Controller, Headers, HttpCode, Inject, Post, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { PayloadCodec } from '@temporalio/common';
import { escalationOfLodgementNoticeWorkflow, escalationOfWebhookWorkflow } from '@resolve/contracts';
import { EscalationsRepository } from '@resolve/persistence';
import {
  ENCRYPTED_ENCODING,
  PayloadDecryptionError,
  payloadsFromJson,
  payloadWorkflowId,
  payloadsToJson,
  RemoteCodecBodyError,
} from '@resolve/temporal';
import { AuthGuard, CurrentCaller } from '../auth/auth.guard';
import type { Caller } from '../auth/caller';
import { ApiError } from '../common/api-error';
import { logger } from '../common/logger';
import type { UnattributedPayloadsPolicy } from './unattributed-payloads';

export const CODEC_SETTINGS = Symbol('CODEC_SETTINGS');

export interface CodecSettings {
  codec: PayloadCodec;
  /** The Temporal namespace whose payloads this codec serves (a non-empty X-Namespace must name it). */
  namespace: string;
  /** Who may decode payloads no case can be found for (CODEC_UNATTRIBUTED_PAYLOADS); default nobody. */
  unattributedPayloads?: UnattributedPayloadsPolicy;
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
  constructor(
    @Inject(CODEC_SETTINGS) private readonly settings: CodecSettings,
    private readonly escalations: EscalationsRepository,
  ) {}

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
    if (direction === 'decode') await this.assertOwnPartnership(caller, payloads);
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

  /**
   * Each payload is tagged with its workflow: a case's (its row says whose it is), a case's
   * webhook delivery or the notice of a form lodged for a case (their ids name the case). A payload of another partnership's case is refused
   * (403, audited by the audit interceptor as codec.decode with the reason); one that cannot be
   * attributed is decoded only as CODEC_UNATTRIBUTED_PAYLOADS allows.
   */
  private async assertOwnPartnership(caller: Caller, payloads: Parameters<PayloadCodec['decode']>[0]) {
    // A payload that is not encrypted passes through decoding as it came: it reveals nothing the
    // caller does not hold already (the UI sends such payloads too), so only ciphertext is checked.
    const tags = payloads.filter(isEncrypted).map(payloadWorkflowId);
    const tagged = [...new Set(tags.filter((t): t is string => t !== null))];
    const ofCases = await this.escalations.partnershipsOfWorkflows(tagged);
    const caseWork = new Map(
      tagged.flatMap((t) => {
        const escalationId = ofCases.has(t)
          ? null
          : (escalationOfWebhookWorkflow(t) ?? escalationOfLodgementNoticeWorkflow(t));
        return escalationId ? [[t, escalationId] as const] : [];
      }),
    );
    const ofCaseWork = await this.escalations.partnershipsOfEscalations([...new Set(caseWork.values())]);
    const partnershipOf = (tag: string | null): string | null => {
      if (tag === null) return null;
      const escalationId = caseWork.get(tag);
      return ofCases.get(tag) ?? (escalationId ? ofCaseWork.get(escalationId) : undefined) ?? null;
    };
    const partnerships = tags.map(partnershipOf);
    if (partnerships.some((p) => p !== null && p !== caller.partnershipId)) {
      throw new ApiError('forbidden', "a payload belongs to another partnership's case; it was not decoded", {
        reason: 'payload-of-another-partnership',
      });
    }
    if (!partnerships.includes(null)) return;
    const policy = this.settings.unattributedPayloads ?? 'refuse';
    if (policy === 'refuse') {
      throw new ApiError(
        'forbidden',
        'a payload is not tagged with a case of your partnership; such payloads are not decoded here (CODEC_UNATTRIBUTED_PAYLOADS)',
        { reason: 'payload-not-attributed' },
      );
    }
    if (!caller.partnershipRoles.includes(policy)) {
      throw new ApiError(
        'forbidden',
        "a payload is not tagged with a case of your partnership; only the partnership's business manager may decode such payloads",
        { reason: 'payload-not-attributed' },
      );
    }
  }
}

const isEncrypted = (payload: Parameters<PayloadCodec['decode']>[0][number]): boolean =>
  Buffer.from(payload.metadata?.encoding ?? []).toString('utf8') === ENCRYPTED_ENCODING;
