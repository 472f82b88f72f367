import type { Provider } from '@nestjs/common';
import { webhookSecretCipher, WebhooksRepository } from '@resolve/persistence';
import { logger } from '../common/logger';
import { DataSource } from 'typeorm';
import { WebhooksController } from './webhooks.controller';
import { WEBHOOK_SETTINGS, WebhooksService, type WebhookSettings } from './webhooks.service';

export { WEBHOOK_SETTINGS };

/**
 * Registered by app.ts: agencies' webhook endpoints and their delivery log (docs/integrations.md).
 * app.ts also provides WEBHOOK_SETTINGS from the validated configuration.
 */
export const WEBHOOKS_CONTROLLERS = [WebhooksController];
export const WEBHOOKS_PROVIDERS: Provider[] = [
  {
    provide: WebhooksRepository,
    useFactory: (dataSource: DataSource, settings: WebhookSettings) => {
      const { cipher, derived } = webhookSecretCipher(settings.secretKey);
      if (derived)
        logger.warn(
          'WEBHOOK_SECRET_KEY is not set: webhook secrets use the development key (refused under RESOLVE_ENV=production)',
        );
      return new WebhooksRepository(dataSource, cipher);
    },
    inject: [DataSource, WEBHOOK_SETTINGS],
  },
  WebhooksService,
];
