export * from './app';
export * from './auth/local-issuer';
export * from './auth/token-verifier';
export { EscalationsService } from './escalations/escalations.service';
export { WorkflowStartRelay } from './escalations/workflow-start-relay';
