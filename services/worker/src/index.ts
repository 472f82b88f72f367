export * from './webhooks';
export * from './worker';
export * from './activities';
export * from './announce-calendar-change';
export { workerTelemetryOptions } from './metrics';
