import { Injectable, type Type } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { DirectoryRepository, WebSessionsRepository } from '@resolve/persistence';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { DirectoryService } from '../directory/directory.service';
import { EscalationCommandsService } from '../escalations/escalation-commands.service';
import { EscalationQueriesService } from '../escalations/escalation-queries.service';
import { LodgementsService } from '../records/lodging/lodgements.service';
import { RecordsService } from '../records/records.service';
import { ReportsService } from '../reports/reports.service';

/**
 * The API's application layer as the pages use it: the same service instances the JSON API's
 * controllers call (found in the application's module, not copied), so every rule, check and
 * write is the API's own.
 */
@Injectable()
export class WebApplication {
  private sessionsRepository: WebSessionsRepository | null = null;

  constructor(private readonly modules: ModuleRef) {}

  private find<T>(type: Type<T>): T {
    return this.modules.get(type, { strict: false });
  }

  get queries() {
    return this.find(EscalationQueriesService);
  }
  get commands() {
    return this.find(EscalationCommandsService);
  }
  get directory() {
    return this.find(DirectoryService);
  }
  /** For loadCaller, as the API's auth guard uses it. */
  get directoryRepository() {
    return this.find(DirectoryRepository);
  }
  get records() {
    return this.find(RecordsService);
  }
  get lodgements() {
    return this.find(LodgementsService);
  }
  get reports() {
    return this.find(ReportsService);
  }
  get audit() {
    return this.find(AuditService);
  }
  get sessions(): WebSessionsRepository {
    this.sessionsRepository ??= new WebSessionsRepository(this.find(DataSource));
    return this.sessionsRepository;
  }
}
