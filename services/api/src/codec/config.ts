import { ConfigurationError } from '@resolve/config';
import { EncryptionCodec, EncryptionKeyError, encryptionKeysFromEnv } from '@resolve/temporal';
import { parseOrigins } from './codec-cors';

/**
 * The API's payload encryption from its environment: RESOLVE_ENCRYPTION_KEYS (required; the
 * Temporal client encrypts with it and /codec decodes with it) and CODEC_CORS_ORIGINS (the
 * Temporal UI's origins; none = no browser may call /codec).
 */
export function codecFromEnv(env: Record<string, string | undefined>): {
  codec: EncryptionCodec;
  corsOrigins: string[];
} {
  try {
    return {
      codec: new EncryptionCodec(encryptionKeysFromEnv(env)),
      corsOrigins: parseOrigins(env.CODEC_CORS_ORIGINS),
    };
  } catch (err) {
    if (err instanceof EncryptionKeyError) throw new ConfigurationError([err.message]);
    throw err;
  }
}
