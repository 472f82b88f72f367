import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { addNoteSignal, snapshotQuery } from '@resolve/contracts';
import { ActionRecordsRepository, EscalationsRepository } from '@resolve/persistence';
import { EscalationWorkflowGateway } from '../src/escalations/escalation-workflow.gateway';
import { NoteRelay } from '../src/escalations/note-relay';
import { RecordedActors } from '../src/escalations/recorded-actor';
import { person, raiseBody, startStack, type Stack } from './support/harness';

/**
 * A note is answered once its record and claim are committed in Postgres; the note relay signals
 * its workflow in the background and marks the record relayed (issue 16, docs/performance.md §3).
 * On the real stack: the answer comes before the workflow has the note, GET lists the note until
 * the timeline has it, an outage of Temporal delays the note without losing it, two relays never
 * signal it at once, a second signal is applied once, and a case that closes between the answer
 * and the signal records the note as refused. (The crash of the answering process is in
 * security-crash.int-spec.ts: a real SIGKILL.)
 */
jest.setTimeout(300_000);

const P = 'sefton-sscp';
const RAISER = person(P, 'csc', 'practitioner');
const processDied = () => new Error('the API process died here');

describe('Notes answered once recorded and relayed to their workflow', () => {
  let stack: Stack;
  let gateway: EscalationWorkflowGateway;
  let actions: ActionRecordsRepository;
  let relay: NoteRelay;
  let references = 0;

  beforeAll(async () => {
    // The periodic sweep an hour apart: each test sweeps when it means to.
    stack = await startStack({ relayIntervalMs: 3_600_000 });
    gateway = stack.app.get(EscalationWorkflowGateway);
    actions = stack.app.get(ActionRecordsRepository);
    relay = stack.app.get(NoteRelay);
  });
  afterEach(() => jest.restoreAllMocks());
  afterAll(async () => {
    await stack?.stop();
  });

  async function raise(): Promise<{ id: string; workflowId: string }> {
    const res = await stack
      .http()
      .post('/escalations')
      .set('Authorization', await stack.as(RAISER))
      .send(raiseBody(P, `NOTE-RELAY-${++references}`));
    expect(res.status).toBe(201);
    return { id: res.body.id, workflowId: res.body.workflow.id };
  }

  const post = async (id: string, path: string, body: object, key?: string) => {
    const req = stack
      .http()
      .post(`/escalations/${id}/${path}`)
      .set('Authorization', await stack.as(RAISER));
    if (key) req.set('Idempotency-Key', key);
    return req.send(body);
  };

  const view = async (id: string) =>
    (
      await stack
        .http()
        .get(`/escalations/${id}`)
        .set('Authorization', await stack.as(RAISER))
    ).body;

  const recordOf = async (actionId: string) =>
    (
      (await stack.db.dataSource.query(`SELECT outcome, relayed_at FROM action_record WHERE id = $1`, [
        actionId,
      ])) as { outcome: string; relayed_at: Date | null }[]
    )[0];

  /** How many times the workflow applied the action (its timeline entries naming it). */
  async function timesApplied(workflowId: string, actionId: string): Promise<number> {
    const state = await stack.env.client.workflow.getHandle(workflowId).query(snapshotQuery);
    return state.timeline.filter((e) => e.actionId === actionId).length;
  }

  /** Waits (up to 10 s) for the note's entry in the Postgres timeline, then a moment in which a second would show. */
  async function projectedTimes(actionId: string): Promise<number> {
    const count = async () =>
      (
        await stack.db.dataSource.query(
          `SELECT count(*)::int AS n FROM escalation_event WHERE action_id = $1`,
          [actionId],
        )
      )[0].n as number;
    for (let i = 0; i < 100 && (await count()) === 0; i++) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 500));
    return count();
  }

  /** How many add-note signals for the action the workflow's history holds. */
  async function signalsOf(workflowId: string, actionId: string): Promise<number> {
    const history = await stack.env.client.workflow.getHandle(workflowId).fetchHistory();
    let n = 0;
    for (const event of history.events ?? []) {
      const signalled = event.workflowExecutionSignaledEventAttributes;
      if (signalled?.signalName !== addNoteSignal.name) continue;
      const payloads = await stack.codec.decode((signalled.input?.payloads ?? []) as Payload[]);
      const args = payloads[0]
        ? defaultPayloadConverter.fromPayload<{ actionId?: string }>(payloads[0])
        : null;
      if (args?.actionId === actionId) n += 1;
    }
    return n;
  }

  /** Holds the relay's next signal until `release` is called (the real signal then goes). */
  function holdNextSignal(): { release: () => void; reached: Promise<void> } {
    const real = gateway.addNote.bind(gateway);
    let release!: () => void;
    let reached!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const arrived = new Promise<void>((r) => (reached = r));
    jest.spyOn(gateway, 'addNote').mockImplementationOnce(async (...args) => {
      reached();
      await gate;
      return real(...args);
    });
    return { release, reached: arrived };
  }

  it('answers a note before its workflow has it, lists it until the timeline does, then the workflow has it once', async () => {
    const { id, workflowId } = await raise();
    const held = holdNextSignal();
    const res = await post(id, 'notes', { text: 'Spoke to the duty sergeant.' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ actionId: expect.any(String), accepted: true });
    const noteId = res.body.actionId;
    await held.reached;
    // Answered; the relay is holding its signal: the workflow and the timeline do not have it yet.
    expect(await timesApplied(workflowId, noteId)).toBe(0);
    expect(await recordOf(noteId)).toEqual({ outcome: 'accepted', relayed_at: null });
    const before = await view(id);
    expect(before.history.some((e: { actionId?: string }) => e.actionId === noteId)).toBe(false);
    expect(before.notesInDelivery).toEqual([
      expect.objectContaining({
        actionId: noteId,
        personId: RAISER,
        text: 'Spoke to the duty sergeant.',
        delivery: 'on-its-way',
      }),
    ]);

    held.release();
    expect(await projectedTimes(noteId)).toBe(1);
    expect(await timesApplied(workflowId, noteId)).toBe(1);
    expect(await signalsOf(workflowId, noteId)).toBe(1);
    expect((await recordOf(noteId)).relayed_at).not.toBeNull();
    const after = await view(id);
    expect(after.notesInDelivery).toEqual([]);
    expect(after.history.filter((e: { actionId?: string }) => e.actionId === noteId)).toHaveLength(1);
    // Relayed: a sweep finds nothing owed.
    expect((await relay.sweep(0)).has(noteId)).toBe(false);
  });

  it('answers 200 while Temporal is unreachable and delivers the note once it answers again', async () => {
    const { id, workflowId } = await raise();
    // Every signal fails as an unreachable frontend's does.
    const outage = jest
      .spyOn(gateway, 'addNote')
      .mockRejectedValue(new Error('14 UNAVAILABLE: No connection established'));
    const res = await post(id, 'notes', { text: 'Called the school.' }, 'outage-note-1');
    expect(res.status).toBe(200);
    const noteId = res.body.actionId;
    await relay.drained();
    expect(await recordOf(noteId)).toEqual({ outcome: 'accepted', relayed_at: null });
    // Still down at the next sweep, and a retry with the same key answers as the first time.
    expect((await relay.sweep(0)).get(noteId)).toBe('failed');
    const retry = await post(id, 'notes', { text: 'Called the school.' }, 'outage-note-1');
    expect(retry.status).toBe(200);
    expect(retry.body.actionId).toBe(noteId);
    await relay.drained();
    expect(outage).toHaveBeenCalledTimes(3);
    expect(await timesApplied(workflowId, noteId)).toBe(0);
    expect((await view(id)).notesInDelivery).toEqual([
      expect.objectContaining({ actionId: noteId, delivery: 'on-its-way' }),
    ]);

    outage.mockRestore();
    expect((await relay.sweep(0)).get(noteId)).toBe('signalled');
    expect(await projectedTimes(noteId)).toBe(1);
    expect(await signalsOf(workflowId, noteId)).toBe(1);
    expect((await view(id)).notesInDelivery).toEqual([]);
  });

  it('signals a note once when two API replicas relay it at the same moment', async () => {
    const { id, workflowId } = await raise();
    jest.spyOn(gateway, 'addNote').mockRejectedValueOnce(processDied());
    const res = await post(id, 'notes', { text: 'Called the health visitor.' });
    expect(res.status).toBe(200);
    const noteId = res.body.actionId;
    await relay.drained();
    expect((await recordOf(noteId)).relayed_at).toBeNull();
    // A second replica's relay: same database and Temporal, its own process state.
    const replica = new NoteRelay(
      actions,
      stack.app.get(EscalationsRepository),
      gateway,
      stack.app.get(RecordedActors),
      3_600_000,
    );
    const passes = await Promise.all([relay.sweep(0), replica.sweep(0)]);
    expect(passes.map((done) => done.get(noteId)).filter((r) => r === 'signalled')).toEqual(['signalled']);
    expect(await projectedTimes(noteId)).toBe(1);
    expect(await signalsOf(workflowId, noteId)).toBe(1);
  });

  it('relays owed notes a batch at a time: one whose signal fails stays owed, the rest are marked', async () => {
    const { id, workflowId } = await raise();
    // Temporal refuses every signal while the notes are answered: all five stay owed.
    jest.spyOn(gateway, 'addNote').mockRejectedValue(processDied());
    const noteIds: string[] = [];
    for (let i = 1; i <= 5; i++) {
      const res = await post(id, 'notes', { text: `Batch note ${i}.` });
      expect(res.status).toBe(200);
      noteIds.push(res.body.actionId);
    }
    await relay.drained();
    jest.restoreAllMocks();
    for (const noteId of noteIds) expect((await recordOf(noteId)).relayed_at).toBeNull();

    // The sweep takes them in one batch; the third's signal fails, the others go side by side.
    const failing = noteIds[2];
    const real = gateway.addNote.bind(gateway);
    jest
      .spyOn(gateway, 'addNote')
      .mockImplementation((wf, envelope) =>
        envelope.actionId === failing ? Promise.reject(processDied()) : real(wf, envelope),
      );
    const batches = jest.spyOn(actions, 'relayingNotes');
    const done = await relay.sweep(0);
    const holding = batches.mock.calls.filter(([ids]) => ids.includes(noteIds[0]));
    expect(holding).toHaveLength(1);
    expect(holding[0][0]).toEqual(expect.arrayContaining(noteIds));
    expect(noteIds.map((noteId) => done.get(noteId))).toEqual([
      'signalled',
      'signalled',
      'failed',
      'signalled',
      'signalled',
    ]);
    expect((await recordOf(failing)).relayed_at).toBeNull();
    for (const noteId of noteIds.filter((n) => n !== failing)) {
      expect((await recordOf(noteId)).relayed_at).toBeInstanceOf(Date);
      expect(await projectedTimes(noteId)).toBe(1);
    }

    // The failed one is still owed: the next sweep delivers it, and nothing else twice.
    jest.restoreAllMocks();
    expect((await relay.sweep(0)).get(failing)).toBe('signalled');
    for (const noteId of noteIds) {
      expect(await projectedTimes(noteId)).toBe(1);
      expect(await signalsOf(workflowId, noteId)).toBe(1);
    }
  });

  it('applies a note once when the relay signals it again after dying between its signal and its mark', async () => {
    const { id, workflowId } = await raise();
    // The signal goes; the process dies before the mark commits (the note is never marked).
    const realRelaying = actions.relayingNotes.bind(actions);
    jest.spyOn(actions, 'relayingNotes').mockImplementationOnce((noteIds, deliver) =>
      realRelaying(noteIds, async (note) => {
        await deliver(note);
        throw processDied();
      }),
    );
    const res = await post(id, 'notes', { text: 'Spoke to the head teacher.' });
    expect(res.status).toBe(200);
    const noteId = res.body.actionId;
    await relay.drained();
    expect((await recordOf(noteId)).relayed_at).toBeNull();

    // Still owed, so the next sweep signals it a second time: the workflow applies it once.
    expect((await relay.sweep(0)).get(noteId)).toBe('signalled');
    expect(await projectedTimes(noteId)).toBe(1);
    expect(await signalsOf(workflowId, noteId)).toBe(2);
    expect(await timesApplied(workflowId, noteId)).toBe(1);
    // Two more copies at once, landing together: still once.
    const { actor } = {
      actor: { personId: RAISER, agencyId: `${P}-csc`, role: 'practitioner', side: 'raising' },
    };
    await Promise.all([
      gateway.addNote(workflowId, { actor: actor as never, actionId: noteId }),
      gateway.addNote(workflowId, { actor: actor as never, actionId: noteId }),
    ]);
    expect(await projectedTimes(noteId)).toBe(1);
    expect(await signalsOf(workflowId, noteId)).toBe(4);
    expect(await timesApplied(workflowId, noteId)).toBe(1);
  });

  it('refuses a note to a closed case', async () => {
    const { id, workflowId } = await raise();
    expect((await post(id, 'withdraw', { reason: 'Resolved elsewhere.' })).status).toBe(200);
    const res = await post(id, 'notes', { text: 'Too late.' });
    expect(res.status).toBe(409);
    expect(res.body.reason).toBe('closed');
    const [record] = await stack.db.dataSource.query(
      `SELECT id, outcome, relayed_at FROM action_record WHERE escalation_id = $1 AND kind = 'add-note'`,
      [id],
    );
    expect(record).toMatchObject({ outcome: 'refused', relayed_at: null });
    expect(await signalsOf(workflowId, record.id)).toBe(0);
    const closed = await view(id);
    expect(closed.notesInDelivery).toEqual([]);
    // Not offered either: the engine would take it, the API refuses it (takesNewNotes).
    expect(closed.availableActions).not.toContain('add-note');
  });

  it('records a note answered just before its case closed, and not delivered, as refused', async () => {
    const { id, workflowId } = await raise();
    const held = holdNextSignal();
    const res = await post(id, 'notes', { text: 'Will call back tomorrow.' }, 'closing-note-1');
    expect(res.status).toBe(200);
    const noteId = res.body.actionId;
    await held.reached;
    // The case closes while the note's signal is held, and its workflow completes.
    expect((await post(id, 'withdraw', { reason: 'Resolved elsewhere.' })).status).toBe(200);
    await stack.env.client.workflow.getHandle(workflowId).result();

    held.release();
    await relay.drained();
    expect(await recordOf(noteId)).toEqual({ outcome: 'refused', relayed_at: expect.any(Date) });
    expect(await signalsOf(workflowId, noteId)).toBe(0);
    // Kept in the case record and shown as not delivered; the retry says the case is closed.
    expect((await view(id)).notesInDelivery).toEqual([
      expect.objectContaining({ actionId: noteId, text: 'Will call back tomorrow.', delivery: 'refused' }),
    ]);
    const retry = await post(id, 'notes', { text: 'Will call back tomorrow.' }, 'closing-note-1');
    expect(retry.status).toBe(409);
    expect(retry.body.reason).toBe('closed');
  });
});
