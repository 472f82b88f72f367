/**
 * SQLSTATE of the case record's append-only triggers (migration 1764600000000-AppendOnlyCaseRecord):
 * Postgres refused to change or delete a recorded action, plan item or timeline entry.
 */
export const CASE_RECORD_REFUSED_SQLSTATE = 'RC001';

/**
 * A change the case record does not allow (an accepted action's outcome, a recorded text, a
 * timeline entry). The message is Postgres' own: it names the table, the column or rule and the
 * row's id, never a value.
 */
export class CaseRecordChangeRefused extends Error {
  readonly code = 'case-record-append-only';

  constructor(message: string) {
    super(message);
    this.name = 'CaseRecordChangeRefused';
  }
}

/** Whether a database error is the case record's triggers refusing a change. */
export function isCaseRecordRefusal(err: unknown): boolean {
  const e = err as { code?: string; driverError?: { code?: string } } | null;
  return e?.code === CASE_RECORD_REFUSED_SQLSTATE || e?.driverError?.code === CASE_RECORD_REFUSED_SQLSTATE;
}

/** Runs a write, turning the triggers' refusal into CaseRecordChangeRefused. */
export async function refusingCaseRecordChanges<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (err) {
    if (isCaseRecordRefusal(err)) {
      const message = (err as { driverError?: { message?: string }; message?: string }).driverError?.message;
      throw new CaseRecordChangeRefused(message ?? String((err as Error).message));
    }
    throw err;
  }
}
