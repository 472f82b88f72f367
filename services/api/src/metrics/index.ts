export * from './api-metrics';
export * from './metrics.controller';
