export * from './ports';
export * from './test-database';
export * from './smtp-capture';
export * from './temporal-environments';
export * from './recording-notifier';
