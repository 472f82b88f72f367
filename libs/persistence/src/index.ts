export * from './entities/directory.entities';
export * from './entities/escalation.entities';
export * from './entities/sms-outbox.entities';
export * from './entities/audit.entities';
export * from './data-source';
export * from './embedded-postgres';
export * from './demo-directory';
export * from './repositories';
