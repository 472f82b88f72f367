export * from './deliverer';
export * from './retry-schedule';
export * from './signature';
