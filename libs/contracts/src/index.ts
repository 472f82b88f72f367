export * from './task-queues';
export * from './escalation';
export * from './messages';
export * from './activities';
export * from './search-attributes';
export * from './lodging';
