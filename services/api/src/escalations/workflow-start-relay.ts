import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { logger } from '../common/logger';
import { EscalationCommandsService } from './escalation-commands.service';

import { RELAY_INTERVAL_MS } from './relay-interval';

export { RELAY_INTERVAL_MS };

/**
 * Finishes what a crash between "row written" and "workflow started" left: every few seconds,
 * rows still pending start their workflow. The workflow id derived from the escalation makes a
 * second start harmless, so the database and Temporal never disagree for long.
 */
@Injectable()
export class WorkflowStartRelay implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer: NodeJS.Timeout | null = null;
  private running = false;

  constructor(
    private readonly escalations: EscalationCommandsService,
    @Inject(RELAY_INTERVAL_MS) private readonly intervalMs: number,
  ) {}

  onApplicationBootstrap() {
    // Only the entry point reads the environment; a bad value was refused there by name.
    this.timer = setInterval(() => void this.tick(), this.intervalMs);
    this.timer.unref();
  }

  onApplicationShutdown() {
    if (this.timer) clearInterval(this.timer);
  }

  async tick(olderThanMs = 3000): Promise<number> {
    if (this.running) return 0;
    this.running = true;
    let started = 0;
    try {
      for (const id of await this.escalations.pendingStarts(olderThanMs)) {
        try {
          await this.escalations.startWorkflow(id);
          started += 1;
          logger.info('relay started a pending workflow', { escalationId: id });
        } catch (err) {
          logger.warn('relay could not start a workflow yet', {
            escalationId: id,
            error: String((err as Error).message),
          });
        }
      }
    } catch (err) {
      logger.warn('relay tick failed', { error: String((err as Error).message) });
    } finally {
      this.running = false;
    }
    return started;
  }
}
