// Entry point bundled by the worker: workflow functions only.
export { escalationWorkflow } from './escalation.workflow';
export * from './webhook-delivery.workflow';
export * from './lodgement-notice.workflow';
