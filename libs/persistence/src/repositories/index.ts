// The repositories: the only code outside migrations that reads or writes the database.
export {};
export * from './directory.repository';
export * from './audit.repository';
export * from './escalations.repository';
export * from './subjects.repository';
export * from './action-records.repository';
export * from './plan-items.repository';
export * from './timeline-events.repository';
export * from './ping';
export * from './escalation-projection.repository';
export * from './deliveries.repository';
export * from './sms-outbox.repository';
export * from './web-sessions.repository';
export * from './notice-facts.repository';
export * from './webhooks.repository';
export * from './rate-limits.repository';
export * from './role-grant-requests.repository';
export * from './lodgements.repository';
