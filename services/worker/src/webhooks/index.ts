export * from './activities';
export * from './deliverer';
export * from './post';
export * from './retry-schedule';
export * from './signature';
