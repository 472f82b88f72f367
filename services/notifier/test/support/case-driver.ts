import type { DataSource } from 'typeorm';
import type { NotifyRequest } from '@resolve/contracts';
import {
  applyAction,
  applyDeadline,
  fireTimers,
  startEscalation,
  validateAction,
  type Actor,
  type Effect,
  type EscalationAction,
  type EscalationState,
} from '@resolve/domain';
import { computeTierDeadline, getProtocol, type Protocol } from '@resolve/protocols';

/**
 * A case run by the real domain engine, without Temporal: deadlines computed as the worker's
 * activity computes them, the notices the engine asks for collected as the workflow would send
 * them. Tests write its state where the workflow's projection writes it, so the notifier reads
 * exactly the shapes it reads in production.
 */
export class CaseDriver {
  readonly notices: NotifyRequest[] = [];

  private constructor(
    readonly protocol: Protocol,
    readonly state: EscalationState,
  ) {}

  static raise(options: {
    escalationId: string;
    reference: string;
    protocolId: string;
    raisingAgencyId: string;
    receivingAgencyId: string;
    raisedBy: Actor;
    at: Date;
    /** The engine's rules (EscalationStart.rules): 2 for two-sided plans. */
    rules?: 1 | 2;
  }): CaseDriver {
    const protocol = getProtocol(options.protocolId);
    const { state, effects } = startEscalation(
      {
        escalationId: options.escalationId,
        reference: options.reference,
        partnershipId: protocol.partnership.id,
        protocol,
        raisedAt: options.at.toISOString(),
        category: protocol.categories[0].id,
        immediateRisk: false,
        raisingAgencyId: options.raisingAgencyId,
        receivingAgencyId: options.receivingAgencyId,
        raisedBy: options.raisedBy,
        actionId: `${options.escalationId.slice(0, 8)}-raise`,
        rules: options.rules,
      },
      options.at,
    );
    const driver = new CaseDriver(protocol, state);
    driver.carryOut(effects, options.at);
    return driver;
  }

  /** Lets each deadline pass until the case is at tier `n`. */
  advanceTo(n: number): this {
    while (this.state.tier.number < n) {
      const due = this.state.tier.dueAt;
      if (!due) throw new Error(`tier ${this.state.tier.number} has no deadline to pass`);
      const at = new Date(Date.parse(due) + 60_000);
      this.carryOut(fireTimers(this.protocol, this.state, at), at);
    }
    return this;
  }

  act(action: EscalationAction, at: Date): this {
    validateAction(this.protocol, this.state, action, at);
    this.carryOut(applyAction(this.protocol, this.state, action, at), at);
    return this;
  }

  /** The last notice of an event the engine asked for. */
  last(event: NotifyRequest['event']): NotifyRequest {
    const found = this.notices.filter((n) => n.event === event);
    if (found.length === 0)
      throw new Error(`no ${event} notice; got ${this.notices.map((n) => n.event).join(', ')}`);
    return found[found.length - 1];
  }

  private carryOut(effects: Effect[], now: Date): void {
    const queue = [...effects];
    while (queue.length > 0) {
      const effect = queue.shift()!;
      if (effect.type === 'notify') {
        this.notices.push({
          escalationId: this.state.escalationId,
          event: effect.event,
          tier: effect.tier,
          audience: effect.audience,
          key: effect.key,
          urgent: effect.urgent,
        });
      } else if (effect.type === 'compute-deadline') {
        const deadline = computeTierDeadline(this.protocol, effect.tierKey, {
          escalationStartedAt: new Date(effect.escalationStartedAt),
          tierStartedAt: new Date(effect.tierStartedAt),
          previousDeadline: effect.previousDeadline ? new Date(effect.previousDeadline) : null,
          immediateRisk: effect.immediateRisk,
        });
        queue.push(
          ...applyDeadline(
            this.state,
            {
              tierKey: effect.tierKey,
              dueAt: deadline.dueAt?.toISOString() ?? null,
              explanation: deadline.explanation,
              reminders: [],
              calendarVersion: 'test',
            },
            now,
          ),
        );
      }
    }
  }

  /** A copy of the state as the projection stores it (JSON). */
  snapshot(): EscalationState {
    return JSON.parse(JSON.stringify(this.state)) as EscalationState;
  }
}

/** Writes a state where the escalation worker's projection writes it (escalation.state). */
export async function project(ds: DataSource, state: EscalationState): Promise<void> {
  await ds.query(
    `UPDATE escalation SET state = $2, state_seq = $3, tier_number = $4, tier_key = $5, status = $6, closed_at = $7
      WHERE id = $1`,
    [
      state.escalationId,
      JSON.stringify(state),
      state.timeline.length,
      state.tier.number,
      state.tier.key,
      state.status,
      state.closedAt,
    ],
  );
}
