import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { DEFAULT_HOLIDAYS, localDateOf, type HolidaySet } from '@resolve/calendar';
import {
  ESCALATION_WORKFLOW_TYPE,
  escalationWorkflowId,
  snapshotQuery,
  TASK_QUEUES,
  type EscalationSnapshot,
} from '@resolve/contracts';
import { EscalationProjectionRepository } from '@resolve/persistence';
import { escalationWorkflowBundle } from '@resolve/temporal';
import {
  recordingNotifierActivities,
  startTestDatabase,
  timeSkippingEnvironment,
  type TestDatabase,
} from '@resolve/testing';
import { seedEscalation } from '../../../workflows/test/support';
import { announceCalendarChange, createEscalationActivities } from '../src';

/**
 * A bank holiday declared after an escalation started: running escalations are told, their open
 * deadline is recomputed with the new data, and the change is recorded in their history.
 */
jest.setTimeout(120_000);

async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
  let value = await read();
  for (let i = 0; i < 100 && !ok(value); i++) {
    await new Promise((r) => setTimeout(r, 100));
    value = await read();
  }
  return value;
}

describe('bank-holiday data change', () => {
  let env: TestWorkflowEnvironment;
  let db: TestDatabase;

  beforeAll(async () => {
    [env, db] = await Promise.all([timeSkippingEnvironment(), startTestDatabase()]);
  });
  afterAll(async () => {
    await env?.teardown();
    await db?.stop();
  });

  it('recomputes the open deadline of a running escalation and records why', async () => {
    // The data the worker counts with; swapped below as a refresh of the data file would.
    let holidays: HolidaySet = DEFAULT_HOLIDAYS;
    const notifier = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: TASK_QUEUES.notifications,
      activities: recordingNotifierActivities([]),
    });
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: TASK_QUEUES.escalations,
      workflowBundle: await escalationWorkflowBundle(),
      activities: createEscalationActivities({ dataSource: db.dataSource, holidays: () => holidays }),
    });

    await notifier.runUntil(
      worker.runUntil(async () => {
        const raisedAt = new Date(await env.currentTimeMs());
        const input = await seedEscalation(db.dataSource, {
          protocolId: 'sefton-sscp',
          reference: 'SEF-CAL-0001',
          raisedAt,
        });
        const handle = await env.client.workflow.start(ESCALATION_WORKFLOW_TYPE, {
          taskQueue: TASK_QUEUES.escalations,
          workflowId: escalationWorkflowId(input.escalationId),
          args: [input],
        });
        const before: EscalationSnapshot = await until(
          () => handle.query(snapshotQuery),
          (s) => !!s.tier.dueAt,
        );

        // A new bank holiday on the due day itself: the deadline must move a working day later.
        const dueDay = localDateOf(new Date(before.tier.dueAt!));
        holidays = {
          ...DEFAULT_HOLIDAYS,
          version: `${DEFAULT_HOLIDAYS.version}+test`,
          divisions: {
            ...DEFAULT_HOLIDAYS.divisions,
            'england-and-wales': [
              ...DEFAULT_HOLIDAYS.divisions['england-and-wales'],
              { date: dueDay, name: 'Declared test holiday' },
            ].sort((a, b) => a.date.localeCompare(b.date)),
          },
        };
        const told = await announceCalendarChange(
          { projections: new EscalationProjectionRepository(db.dataSource), client: env.client },
          holidays.version,
        );
        expect(told).toMatchObject({ open: 1, told: 1, failed: [] });

        const after = await until(
          () => handle.query(snapshotQuery),
          (s) => s.tier.dueAt !== before.tier.dueAt,
        );
        expect(Date.parse(after.tier.dueAt!)).toBeGreaterThan(Date.parse(before.tier.dueAt!));
        expect(after.tier.explanation).toMatch(/Declared test holiday/);
        const entry = after.timeline.find((e) => e.type === 'deadline-recomputed');
        expect(entry?.detail).toMatchObject({
          from: before.tier.dueAt,
          dueAt: after.tier.dueAt,
          calendarVersion: holidays.version,
        });
        const [row] = await db.dataSource.query(`SELECT current_due_at FROM escalation WHERE id = $1`, [
          input.escalationId,
        ]);
        expect(new Date(row.current_due_at).toISOString()).toBe(after.tier.dueAt);
      }),
    );
  });
});
