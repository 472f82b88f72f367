import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { ActionRecordsRepository, EscalationsRepository, type OwedNote } from '@resolve/persistence';
import { logger } from '../common/logger';
import { EscalationWorkflowGateway, type ActionEnvelope } from './escalation-workflow.gateway';
import { RecordedActors } from './recorded-actor';
import { RELAY_INTERVAL_MS } from './relay-interval';

/**
 * Notes one transaction relays at most: their signals go side by side, under one lock statement
 * and one mark. Batches in flight at once, from this process's queue: each holds one database
 * connection (of the API's pool of 10) while its signals are out.
 */
export const RELAY_BATCH = 50;
const RELAY_BATCHES_AT_ONCE = 2;
/** A note younger than this is left to the process that answered it (its queue signals it in milliseconds). */
export const SWEEP_AFTER_MS = 2_000;
/** Older notes are not looked at again: a week covers any outage the API could sit through. */
export const RELAY_WITHIN_MS = 7 * 24 * 3_600_000;

/**
 * What the relay did with a note: signalled; refused (its workflow had completed, or its author
 * left the partnership); not owed (relayed already, or being relayed elsewhere); failed (still owed).
 */
export type NoteRelayResult = 'signalled' | 'refused' | 'not-owed' | 'failed';

/** A note the answering request hands over, with the envelope it would have signalled itself. */
interface QueuedNote {
  actionId: string;
  workflowId: string;
  envelope: ActionEnvelope;
}

/** The case's workflow has not started yet (the start relay starts it): the note waits for it. */
class WorkflowNotStarted extends Error {}

/**
 * Delivers notes to their workflows after the note's answer (issue 16). A note is answered once
 * its record and claim are committed in Postgres; from then on it is owed to its workflow until
 * its record's `relayed_at` is set. Two ways get it there:
 * - this process's queue, which the answering request fills: the signal goes within
 *   milliseconds of the answer, in batches of up to RELAY_BATCH notes (what queued while the
 *   previous batches were out), at most RELAY_BATCHES_AT_ONCE batches at a time;
 * - the sweep, at start-up and every RELAY_INTERVAL_MS, of the notes still owed after
 *   SWEEP_AFTER_MS: what a crash of the answering process, or Temporal being down, left.
 * Each note is signalled inside a transaction that holds its record's row lock (FOR UPDATE SKIP
 * LOCKED, one statement for the batch), and marked relayed in it, so two relays (this queue and a sweep, or two replicas) never
 * signal it at once, and a relayed note is never signalled again. A crash between the signal and
 * the commit of the mark leaves the note owed and signals it twice: the workflow applies an action
 * id once (patch `notes-once`, and the worker's authorisation, which refuses an id already applied).
 * A note whose workflow had completed by then (the case closed between the answer and the signal)
 * is marked refused, not dropped: it stays in the case record, and GET /escalations/:id lists it.
 */
@Injectable()
export class NoteRelay implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly queue: QueuedNote[] = [];
  private active = 0;
  private sweeping = false;
  private timer: NodeJS.Timeout | null = null;
  private readonly idle = new Set<() => void>();

  constructor(
    private readonly actions: ActionRecordsRepository,
    private readonly escalations: EscalationsRepository,
    private readonly workflow: EscalationWorkflowGateway,
    private readonly actors: RecordedActors,
    @Inject(RELAY_INTERVAL_MS) private readonly intervalMs: number,
  ) {}

  onApplicationBootstrap() {
    // At start-up first, whatever their age: what a previous process left is owed now.
    void this.sweep(0);
    this.timer = setInterval(() => void this.sweep(), this.intervalMs);
    this.timer.unref();
  }

  onApplicationShutdown() {
    if (this.timer) clearInterval(this.timer);
  }

  /** Hands over a note just answered: signalled as soon as a slot is free. */
  enqueue(note: QueuedNote): void {
    this.queue.push(note);
    this.pump();
  }

  /** Resolves when this process's queue is empty and nothing is being signalled from it. */
  drained(): Promise<void> {
    if (this.queue.length === 0 && this.active === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.add(resolve));
  }

  private pump(): void {
    while (this.active < RELAY_BATCHES_AT_ONCE && this.queue.length > 0) {
      const batch = this.queue.splice(0, RELAY_BATCH);
      this.active += 1;
      void this.relayBatch(
        batch.map((note) => note.actionId),
        batch,
      ).finally(() => {
        this.active -= 1;
        this.pump();
        if (this.queue.length === 0 && this.active === 0) {
          for (const resolve of this.idle) resolve();
          this.idle.clear();
        }
      });
    }
  }

  /** Relays one note (the reconciler's way in): as relayBatch, for a batch of one. */
  async relay(actionId: string): Promise<NoteRelayResult> {
    return (await this.relayBatch([actionId])).get(actionId)!;
  }

  /**
   * Relays a batch of notes: signals each (with the answering request's envelope when there is
   * one, else its actor rebuilt from the record) and marks them. Never throws: a note that could
   * not be signalled stays owed, for the next sweep.
   */
  private async relayBatch(
    actionIds: string[],
    queued: QueuedNote[] = [],
  ): Promise<Map<string, NoteRelayResult>> {
    const handedOver = new Map(queued.map((note) => [note.actionId, note]));
    const escalationOf = new Map<string, string>();
    const done = new Map<string, NoteRelayResult>();
    try {
      const outcomes = await this.actions.relayingNotes(actionIds, async (note) => {
        escalationOf.set(note.id, note.escalationId);
        const { workflowId, envelope } = handedOver.get(note.id) ?? (await this.fromRecord(note));
        if (!envelope) return 'closed';
        return (await this.workflow.addNote(workflowId, envelope)) === 'closed' ? 'closed' : 'signalled';
      });
      for (const [actionId, outcome] of outcomes) {
        const escalationId = escalationOf.get(actionId);
        if (outcome.result === 'failed') {
          this.warnNotSignalled(actionId, escalationId, outcome.error);
          done.set(actionId, 'failed');
        } else if (outcome.result === 'closed') {
          logger.warn(
            'note refused after its answer: its workflow had completed, or its author left the partnership',
            { escalationId, actionId },
          );
          done.set(actionId, 'refused');
        } else {
          done.set(actionId, outcome.result);
        }
      }
    } catch (err) {
      // The lock or the mark failed (Postgres unreachable): nothing is marked, all stay owed.
      for (const actionId of actionIds) {
        this.warnNotSignalled(actionId, escalationOf.get(actionId), err);
        done.set(actionId, 'failed');
      }
    }
    return done;
  }

  private warnNotSignalled(actionId: string, escalationId: string | undefined, err: unknown): void {
    logger.warn('note relay could not signal a note yet', {
      escalationId,
      actionId,
      error: err instanceof WorkflowNotStarted ? 'workflow not started yet' : String((err as Error)?.message),
    });
  }

  /** One pass over the notes still owed, a batch at a time; what became of each, by id. */
  async sweep(olderThanMs = SWEEP_AFTER_MS): Promise<Map<string, NoteRelayResult>> {
    const done = new Map<string, NoteRelayResult>();
    if (this.sweeping) return done;
    this.sweeping = true;
    try {
      const owed = await this.actions.notesOwed(olderThanMs, RELAY_WITHIN_MS);
      for (let i = 0; i < owed.length; i += RELAY_BATCH) {
        for (const [id, result] of await this.relayBatch(owed.slice(i, i + RELAY_BATCH))) {
          done.set(id, result);
          if (result === 'signalled') logger.info('note relay delivered an owed note', { actionId: id });
        }
      }
    } catch (err) {
      logger.warn('note relay sweep failed', { error: String((err as Error).message) });
    } finally {
      this.sweeping = false;
    }
    return done;
  }

  /** The workflow and envelope of a note whose answering request is gone. No envelope: its author left the partnership. */
  private async fromRecord(note: OwedNote): Promise<{ workflowId: string; envelope: ActionEnvelope | null }> {
    const row = await this.escalations.findById(note.escalationId);
    if (!row || row.workflowState !== 'started') throw new WorkflowNotStarted();
    const actor = await this.actors.actorOf(note, row);
    return { workflowId: row.workflowId, envelope: actor ? { actor, actionId: note.id } : null };
  }
}
