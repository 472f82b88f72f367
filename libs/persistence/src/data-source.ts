import { DataSource } from 'typeorm';
import {
  AgencyEntity,
  AgencyRoleEntity,
  PartnershipEntity,
  PartnershipRoleEntity,
  PersonEntity,
} from './entities/directory.entities';
import {
  ActionRecordEntity,
  EscalationEntity,
  EscalationEventEntity,
  EscalationSubjectEntity,
  NotificationDeliveryEntity,
  PlanItemEntity,
} from './entities/escalation.entities';
import { SmsOutboxEntity } from './entities/sms-outbox.entities';
import { DeliveryReceiptEntity } from './entities/delivery-receipt.entities';
import { AuditLogEntity } from './entities/audit.entities';
import { WebSessionEntity } from './entities/web-session.entities';
import {
  WebhookDeliveryAttemptEntity,
  WebhookDeliveryEntity,
  WebhookEndpointEntity,
} from './entities/webhook.entities';
import { InitialSchema1763900000000 } from './migrations/1763900000000-InitialSchema';
import { AuditTrail1763900100000 } from './migrations/1763900100000-AuditTrail';
import { NotificationDeliveryDetail1763950000000 } from './migrations/1763950000000-NotificationDeliveryDetail';
import { PartnershipDemoProtocol1764300000000 } from './migrations/1764300000000-PartnershipDemoProtocol';
import { WebSessions1764200000000 } from './migrations/1764200000000-WebSessions';
import { Webhooks1764400000000 } from './migrations/1764400000000-Webhooks';
import { LineManagement1764450000000 } from './migrations/1764450000000-LineManagement';
import { RateLimits1764470000000 } from './migrations/1764470000000-RateLimits';
import { DeliveryFollowUp1764560000000 } from './migrations/1764560000000-DeliveryFollowUp';
import { AppendOnlyCaseRecord1764600000000 } from './migrations/1764600000000-AppendOnlyCaseRecord';
import { WebhookTemporalDelivery1764700000000 } from './migrations/1764700000000-WebhookTemporalDelivery';
import { EncryptWebhookSecrets1764700100000 } from './migrations/1764700100000-EncryptWebhookSecrets';
import { ActionReconciliation1764710000000 } from './migrations/1764710000000-ActionReconciliation';
import { ProtectedSubject1764711000000 } from './migrations/1764711000000-ProtectedSubject';
import { RoleGrantRequestEntity } from './entities/role-grant-request.entities';
import { RoleGrantApproval1764730000000 } from './migrations/1764730000000-RoleGrantApproval';
import { Lodgements1764760000000 } from './migrations/1764760000000-Lodgements';
import { FingerprintedCaseContent1764770000000 } from './migrations/1764770000000-FingerprintedCaseContent';
import { NoteRelay1764780000000 } from './migrations/1764780000000-NoteRelay';

export const ENTITIES = [
  PartnershipEntity,
  AgencyEntity,
  PersonEntity,
  AgencyRoleEntity,
  PartnershipRoleEntity,
  EscalationEntity,
  EscalationSubjectEntity,
  EscalationEventEntity,
  ActionRecordEntity,
  PlanItemEntity,
  NotificationDeliveryEntity,
  SmsOutboxEntity,
  AuditLogEntity,
  WebSessionEntity,
  WebhookEndpointEntity,
  WebhookDeliveryEntity,
  WebhookDeliveryAttemptEntity,
  DeliveryReceiptEntity,
  RoleGrantRequestEntity,
];

/** Migrations in order. Schema changes only ever go through these; `synchronize` stays off. */
export const MIGRATIONS = [
  InitialSchema1763900000000,
  AuditTrail1763900100000,
  NotificationDeliveryDetail1763950000000,
  WebSessions1764200000000,
  PartnershipDemoProtocol1764300000000,
  Webhooks1764400000000,
  LineManagement1764450000000,
  RateLimits1764470000000,
  DeliveryFollowUp1764560000000,
  AppendOnlyCaseRecord1764600000000,
  WebhookTemporalDelivery1764700000000,
  EncryptWebhookSecrets1764700100000,
  ActionReconciliation1764710000000,
  ProtectedSubject1764711000000,
  RoleGrantApproval1764730000000,
  Lodgements1764760000000,
  FingerprintedCaseContent1764770000000,
  NoteRelay1764780000000,
];

export function createDataSource(databaseUrl: string, options: { poolSize?: number } = {}): DataSource {
  return new DataSource({
    type: 'postgres',
    url: databaseUrl,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    synchronize: false,
    migrationsRun: false,
    logging: false,
    extra: { max: options.poolSize ?? 10 },
  });
}

/** Opens the data source and applies pending migrations. */
export async function openDatabase(
  databaseUrl: string,
  options: { migrate?: boolean; poolSize?: number } = {},
) {
  const ds = createDataSource(databaseUrl, options);
  await ds.initialize();
  if (options.migrate !== false) await ds.runMigrations({ transaction: 'each' });
  return ds;
}
