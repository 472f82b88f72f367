export * from './app';
export * from './auth/local-issuer';
export * from './auth/token-verifier';
export { EscalationCommandsService } from './escalations/escalation-commands.service';
export { WorkflowStartRelay } from './escalations/workflow-start-relay';
