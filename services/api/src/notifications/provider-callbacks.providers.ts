import type { Provider } from '@nestjs/common';
import { DeliveriesRepository } from '@resolve/persistence';
import { DataSource } from 'typeorm';

/** The provider callbacks' Nest providers, registered in ApiModule (app.ts). */
export const PROVIDER_CALLBACK_PROVIDERS: Provider[] = [
  {
    provide: DeliveriesRepository,
    useFactory: (dataSource: DataSource) => new DeliveriesRepository(dataSource),
    inject: [DataSource],
  },
];
