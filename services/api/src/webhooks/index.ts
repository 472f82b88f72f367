import type { Provider } from '@nestjs/common';
import { WebhooksRepository } from '@resolve/persistence';
import { DataSource } from 'typeorm';
import { WebhooksController } from './webhooks.controller';
import { WEBHOOK_SETTINGS, WebhooksService, type WebhookSettings } from './webhooks.service';

/** Registered by app.ts: agencies' webhook endpoints and their delivery log (docs/integrations.md). */
export const WEBHOOKS_CONTROLLERS = [WebhooksController];
export const WEBHOOKS_PROVIDERS: Provider[] = [
  {
    provide: WebhooksRepository,
    useFactory: (dataSource: DataSource) => new WebhooksRepository(dataSource),
    inject: [DataSource],
  },
  // Read when the application is built, as WebModule.register reads its settings.
  {
    provide: WEBHOOK_SETTINGS,
    useFactory: (): WebhookSettings => ({ production: process.env.RESOLVE_ENV === 'production' }),
  },
  WebhooksService,
];
