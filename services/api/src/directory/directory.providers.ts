import type { Provider } from '@nestjs/common';
import { DirectoryRepository, RoleGrantRequestsRepository } from '@resolve/persistence';
import { DataSource } from 'typeorm';
import { DirectoryService } from './directory.service';

/**
 * The directory's Nest providers, registered in ApiModule (app.ts). The repository is shared:
 * the auth guard and the codec session load callers through it too.
 */
export const DIRECTORY_PROVIDERS: Provider[] = [
  {
    provide: DirectoryRepository,
    useFactory: (dataSource: DataSource) => new DirectoryRepository(dataSource),
    inject: [DataSource],
  },
  {
    provide: RoleGrantRequestsRepository,
    useFactory: (dataSource: DataSource) => new RoleGrantRequestsRepository(dataSource),
    inject: [DataSource],
  },
  DirectoryService,
];
