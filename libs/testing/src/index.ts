export * from './ports';
export * from './test-database';
export * from '@resolve/mail-capture';
export * from './temporal-environments';
export * from './recording-notifier';
export * from './production-temporal';
