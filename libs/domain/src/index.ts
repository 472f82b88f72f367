export * from './types';
export * from './actions';
export * from './effects';
export * from './engine';
export * from './raise-rules';
export * from './available-actions';
export { routeChoice } from './action-rules';
export { informedAtEveryStage } from './audiences';
export * from './urgency-and-formats';
