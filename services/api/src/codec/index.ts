export * from './codec.controller';
export * from './codec-cors';
export * from './config';
export * from './codec-session';
export * from './unattributed-payloads';
