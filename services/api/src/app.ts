import { Module, ValidationPipe, type DynamicModule, type INestApplication } from '@nestjs/common';
import { APP_GUARD, NestFactory } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import type { Client } from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';
import helmet from 'helmet';
import { ActionRecordsRepository, EscalationsRepository, RateLimitsRepository } from '@resolve/persistence';
import { DataSource } from 'typeorm';
import {
  AUDIT_CONTROLLERS,
  AUDIT_HEAD_SETTINGS,
  AUDIT_PROVIDERS,
  requestIdMiddleware,
  type AuditHeadSettings,
} from './audit/audit.module';
import { AuthGuard, TOKEN_VERIFIER } from './auth/auth.guard';
import type { TokenVerifier } from './auth/token-verifier';
import { ApiError } from './common/api-error';
import { ApiExceptionFilter } from './common/api-exception.filter';
import { requestContextMiddleware } from './common/request-context';
import { CASE_REPOSITORY_PROVIDERS } from './common/repository.providers';
import { CallerThrottlerGuard, RATE_LIMITS } from './common/rate-limit/caller-throttler.guard';
import { PostgresThrottlerStorage } from './common/rate-limit/postgres-throttler-storage';
import { DEFAULT_RATE_LIMITS, type RateLimits } from './common/rate-limit/rate-limits';
import { ESCALATIONS_CONTROLLERS, ESCALATIONS_PROVIDERS, TEMPORAL_CLIENT } from './escalations';
import { DirectoryController } from './directory/directory.controller';
import { DIRECTORY_PROVIDERS } from './directory/directory.providers';
import { HealthController } from './health/health.controller';
import { ProtocolsController } from './protocols/protocols.controller';
import {
  LODGER_INTERVAL_MS,
  PDF_PRINTER_SETTINGS,
  pdfPrinterSettings,
  RECORDS_CONTROLLERS,
  RECORDS_PROVIDERS,
} from './records';
import { REPORTS_CONTROLLERS, REPORTS_PROVIDERS } from './reports';
import {
  CALLBACK_SECRETS,
  ProviderCallbacksController,
  type CallbackSecrets,
} from './notifications/provider-callbacks.controller';
import { PROVIDER_CALLBACK_PROVIDERS } from './notifications/provider-callbacks.providers';
import {
  CODEC_SETTINGS,
  CodecController,
  codecCookieAuth,
  codecCors,
  CodecSessionController,
  type UnattributedPayloadsPolicy,
} from './codec';
import { API_METRICS, createApiMetrics, METRICS_TOKEN, MetricsController, type ApiMetrics } from './metrics';
import { withValidationConstraints } from './openapi-constraints';
import { WebModule } from './web';
import { WEBHOOK_SETTINGS, WEBHOOKS_CONTROLLERS, WEBHOOKS_PROVIDERS } from './webhooks';
import { RELAY_INTERVAL_MS } from './escalations/workflow-start-relay';
import { ProtocolCatalogue } from './protocols/protocol-catalogue';

export interface ApiDependencies {
  dataSource: DataSource;
  temporal: Client;
  verifier: TokenVerifier;
  /** Extra routes (e.g. the embedded issuer's key set). */
  extraControllers?: DynamicModule['controllers'];
  corsOrigins?: string[];
  /** Requests per minute per client address (default 1200). */
  /** One budget for every group (benchmarks raise it out of the way); else `rateLimits`. */
  rateLimitPerMinute?: number;
  /** Requests per caller and minute per route group (validated RATE_LIMITS). */
  rateLimits?: RateLimits;
  /** Express's `trust proxy`: which proxies' X-Forwarded-For gives the client address. */
  trustProxy?: boolean | number | string[];
  /** Provider delivery-receipt secrets; a provider without them has no callback route. */
  callbackSecrets?: CallbackSecrets;
  /** Payload codec for the Temporal UI and CLI at /codec (docs/operators.md); absent: no /codec. */
  codec?: { codec: PayloadCodec; corsOrigins?: string[]; unattributedPayloads?: UnattributedPayloadsPolicy };
  /** When set, GET /metrics wants `Authorization: Bearer <metricsToken>`. */
  metricsToken?: string;
  /** How often the relay starts workflows a crash left pending (validated RELAY_INTERVAL_MS; default 5 s). */
  relayIntervalMs?: number;
  /** How often the lodger lodges due forms and starts their notices (default 2 s; docs/records-and-reports.md). */
  lodgerIntervalMs?: number;
  /** The partnership's own protocol folder (PROTOCOLS_DIR), read again before protocols are offered. */
  protocolsDir?: string;
  /** The Chromium that prints records to PDF (validated CHROMIUM_PATH; default /usr/bin/chromium). */
  chromiumPath?: string;
  /** RESOLVE_ENV=production, from the validated config: production refuses insecure webhook URLs. */
  production?: boolean;
  /** WEBHOOK_SECRET_KEY, sealing webhook secrets in Postgres; unset: the development key (with a warning). */
  webhookSecretKey?: Buffer;
  /** AUDIT_HEAD_SIGNING_KEY and AUDIT_HEAD_LOG: where the audit chain's signed head is published; unset: not published. */
  auditHead?: AuditHeadSettings;
}

function rateLimitsOf(deps: ApiDependencies): RateLimits {
  if (deps.rateLimitPerMinute)
    return {
      default: deps.rateLimitPerMinute,
      cases: deps.rateLimitPerMinute,
      documents: deps.rateLimitPerMinute,
    };
  return deps.rateLimits ?? DEFAULT_RATE_LIMITS;
}

@Module({})
class ApiModule {
  static with(deps: ApiDependencies, metrics: ApiMetrics): DynamicModule {
    return {
      module: ApiModule,
      imports: [
        ThrottlerModule.forRoot({
          throttlers: [{ ttl: 60_000, limit: rateLimitsOf(deps).default }],
          storage: new PostgresThrottlerStorage(new RateLimitsRepository(deps.dataSource)),
        }),
        WebModule.register(),
      ],
      controllers: [
        ...ESCALATIONS_CONTROLLERS,
        ProtocolsController,
        HealthController,
        DirectoryController,
        ProviderCallbacksController,
        ...AUDIT_CONTROLLERS,
        ...RECORDS_CONTROLLERS,
        ...REPORTS_CONTROLLERS,
        MetricsController,
        ...WEBHOOKS_CONTROLLERS,
        ...(deps.codec ? [CodecController, CodecSessionController] : []),
        ...(deps.extraControllers ?? []),
      ],
      providers: [
        { provide: DataSource, useValue: deps.dataSource },
        { provide: TEMPORAL_CLIENT, useValue: deps.temporal },
        { provide: TOKEN_VERIFIER, useValue: deps.verifier },
        { provide: CALLBACK_SECRETS, useValue: deps.callbackSecrets ?? {} },
        { provide: API_METRICS, useValue: metrics },
        { provide: METRICS_TOKEN, useValue: deps.metricsToken },
        { provide: RELAY_INTERVAL_MS, useValue: deps.relayIntervalMs ?? 5000 },
        { provide: LODGER_INTERVAL_MS, useValue: deps.lodgerIntervalMs ?? 2000 },
        { provide: AUDIT_HEAD_SETTINGS, useValue: deps.auditHead ?? null },
        { provide: ProtocolCatalogue, useValue: new ProtocolCatalogue(deps.protocolsDir) },
        {
          provide: PDF_PRINTER_SETTINGS,
          useValue: pdfPrinterSettings({ executablePath: deps.chromiumPath }),
        },
        ...(deps.codec
          ? [
              {
                provide: CODEC_SETTINGS,
                useValue: {
                  codec: deps.codec.codec,
                  namespace: deps.temporal.options.namespace,
                  unattributedPayloads: deps.codec.unattributedPayloads,
                },
              },
            ]
          : []),
        { provide: RATE_LIMITS, useValue: rateLimitsOf(deps) },
        { provide: APP_GUARD, useClass: CallerThrottlerGuard },
        AuthGuard,
        ...CASE_REPOSITORY_PROVIDERS,
        ...ESCALATIONS_PROVIDERS,
        ...DIRECTORY_PROVIDERS,
        ...AUDIT_PROVIDERS,
        ...RECORDS_PROVIDERS,
        ...REPORTS_PROVIDERS,
        ...PROVIDER_CALLBACK_PROVIDERS,
        ...WEBHOOKS_PROVIDERS,
        {
          provide: WEBHOOK_SETTINGS,
          useValue: { production: deps.production === true, secretKey: deps.webhookSecretKey },
        },
      ],
    };
  }
}

function validationMessages(errors: import('class-validator').ValidationError[], prefix = ''): string[] {
  return errors.flatMap((e) => {
    const path = prefix ? `${prefix}.${e.property}` : e.property;
    const own = Object.values(e.constraints ?? {}).map((m) =>
      m.startsWith(e.property) ? `${prefix ? prefix + '.' : ''}${m}` : `${path}: ${m}`,
    );
    return [...own, ...validationMessages(e.children ?? [], path)];
  });
}

/** Builds the NestJS application: used by main.ts, the embedded starter and the tests. */
export async function createApiApp(deps: ApiDependencies): Promise<INestApplication> {
  const metrics = createApiMetrics({
    escalations: new EscalationsRepository(deps.dataSource),
    actions: new ActionRecordsRepository(deps.dataSource),
  });
  const app = await NestFactory.create(ApiModule.with(deps, metrics), {
    logger: ['error', 'warn'],
    bodyParser: false,
  });
  const express = await import('express');
  app.use(metrics.httpTimer);
  app.use(requestIdMiddleware);
  app.use(requestContextMiddleware);
  // The codec's CORS (the Temporal UI's origin only) and larger bodies (workflow inputs carry the protocol).
  if (deps.codec) {
    app.use(
      '/codec',
      codecCors(deps.codec.corsOrigins ?? []),
      codecCookieAuth,
      express.json({ limit: '4mb' }),
    );
    app.use('/codec/session', express.urlencoded({ extended: false, limit: '20kb' }));
  }
  app.use(express.json({ limit: '100kb' }));
  app.use('/callbacks/twilio', express.urlencoded({ extended: false, limit: '20kb' }));
  app.use(helmet());
  // Which proxies' X-Forwarded-For names the client (the rate limit's key for unsigned requests).
  if (deps.trustProxy !== undefined) app.getHttpAdapter().getInstance().set('trust proxy', deps.trustProxy);
  if (deps.corsOrigins?.length) app.enableCors({ origin: deps.corsOrigins });
  app.useGlobalFilters(new ApiExceptionFilter());
  app.useGlobalPipes(
    new ValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      exceptionFactory: (errors) => {
        const fields = validationMessages(errors);
        return new ApiError('validation-failed', fields.join('; '), { fields });
      },
    }),
  );
  SwaggerModule.setup('docs', app, () => openApiDocument(app));
  return app;
}

export function openApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Resolve API')
    .setDescription("Escalation of professional disagreements under UK safeguarding partnerships' protocols")
    .setVersion('0.1.0')
    .addBearerAuth()
    .build();
  return withValidationConstraints(SwaggerModule.createDocument(app, config));
}
