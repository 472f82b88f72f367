import { NeedToKnow } from '../auth/need-to-know';
import { ActionReconciler } from './action-reconciler';
import { EscalationCommandsService } from './escalation-commands.service';
import { EscalationQueriesService } from './escalation-queries.service';
import { EscalationWorkflowGateway } from './escalation-workflow.gateway';
import { EscalationsController } from './escalations.controller';
import { NoteRelay } from './note-relay';
import { RecordedActors } from './recorded-actor';
import { WorkflowStartRelay } from './workflow-start-relay';

/** Registered by app.ts, with the case repositories (common/repository.providers.ts) and TEMPORAL_CLIENT. */
export const ESCALATIONS_CONTROLLERS = [EscalationsController];
export const ESCALATIONS_PROVIDERS = [
  NeedToKnow,
  EscalationWorkflowGateway,
  EscalationQueriesService,
  EscalationCommandsService,
  WorkflowStartRelay,
  RecordedActors,
  NoteRelay,
  ActionReconciler,
];
export { TEMPORAL_CLIENT } from './escalation-workflow.gateway';
