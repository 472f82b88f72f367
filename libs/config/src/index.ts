export * from './read-config';
export * from './settings';
export * from './temporal-settings';
export * from './production';
export * from './webhook-secret-key';
export * from './receiver-address';
