import type { Provider } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { AuditController } from './audit.controller';
import { AuditInterceptor } from './audit.interceptor';
import { AuditService } from './audit.service';

/**
 * The audit trail's parts, registered in ApiModule (app.ts) next to the escalations: they need
 * the same DataSource and token verifier. `requestIdMiddleware` goes first in createApiApp.
 */
export const AUDIT_CONTROLLERS = [AuditController];
export const AUDIT_PROVIDERS: Provider[] = [
  AuditService,
  { provide: APP_INTERCEPTOR, useClass: AuditInterceptor },
];
export { requestIdMiddleware } from './request-id';
export { AuditService } from './audit.service';
