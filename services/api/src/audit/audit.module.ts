import type { Provider } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { AuditRepository } from '@resolve/persistence';
import { DataSource } from 'typeorm';
import { AuditController } from './audit.controller';
import { AuditHeadPublisher } from './audit-head';
import { AuditInterceptor } from './audit.interceptor';
import { AuditService } from './audit.service';

/**
 * The audit trail's parts, registered in ApiModule (app.ts) next to the escalations: they need
 * the same DataSource (the audit repository reads through it) and token verifier.
 * `requestIdMiddleware` goes first in createApiApp.
 */
export const AUDIT_CONTROLLERS = [AuditController];
export const AUDIT_PROVIDERS: Provider[] = [
  {
    provide: AuditRepository,
    useFactory: (dataSource: DataSource) => new AuditRepository(dataSource),
    inject: [DataSource],
  },
  AuditService,
  AuditHeadPublisher,
  { provide: APP_INTERCEPTOR, useClass: AuditInterceptor },
];
export { requestIdMiddleware } from './request-id';
export { AuditService } from './audit.service';
export { AUDIT_HEAD_SETTINGS, AuditHeadPublisher, type AuditHeadSettings } from './audit-head';
