import type { Provider } from '@nestjs/common';
import { WebhooksRepository } from '@resolve/persistence';
import { DataSource } from 'typeorm';
import { WebhooksController } from './webhooks.controller';
import { WEBHOOK_SETTINGS, WebhooksService } from './webhooks.service';

export { WEBHOOK_SETTINGS };

/**
 * Registered by app.ts: agencies' webhook endpoints and their delivery log (docs/integrations.md).
 * app.ts also provides WEBHOOK_SETTINGS from the validated configuration.
 */
export const WEBHOOKS_CONTROLLERS = [WebhooksController];
export const WEBHOOKS_PROVIDERS: Provider[] = [
  {
    provide: WebhooksRepository,
    useFactory: (dataSource: DataSource) => new WebhooksRepository(dataSource),
    inject: [DataSource],
  },
  WebhooksService,
];
