/**
 * The notifier process for benchmarks: services/notifier/src/main.ts itself, with the payload
 * codec supplied when main.ts does not pass one. At commit ffeddd9 the escalation worker encrypts
 * payloads with RESOLVE_ENCRYPTION_KEYS but the notifier's main.ts starts its worker without a
 * data converter, so every notify activity fails with "Unknown encoding: binary/encrypted". Once
 * main.ts passes its own converter, this shim changes nothing.
 */
import { createDataConverter, encryptionKeysFromEnv } from '@resolve/temporal';

const worker = require('../../services/notifier/src/worker') as typeof import('../../services/notifier/src/worker');

const original = worker.startNotifierWithConfig;
(worker as { startNotifierWithConfig: typeof original }).startNotifierWithConfig = (config, extras = {}) =>
  original(config, { ...extras, dataConverter: extras.dataConverter ?? createDataConverter(encryptionKeysFromEnv(process.env)) });

require('../../services/notifier/src/main');
