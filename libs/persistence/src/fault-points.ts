/**
 * Test-only fault points: places in a write where a crash test stops the process (issue 13: "no
 * action without its audit row, shown by a crash test"). The API arms one from
 * RESOLVE_FAULT_POINT, which production refuses (libs/config/src/production.ts); unarmed, a
 * point costs one comparison.
 */
export const FAULT_POINTS = [
  /** An action's record inserted, its audit row not yet, the transaction open. */
  'between-record-and-audit',
  /** A note answered (its record and claim committed), its relay holding it, the signal not yet sent. */
  'between-note-claim-and-signal',
] as const;

export type FaultPoint = (typeof FAULT_POINTS)[number];

let armed: { point: FaultPoint; reached: (point: FaultPoint) => Promise<void> } | null = null;

/** Arms one point: `reached` runs (and is awaited) each time a write passes it. */
export function armFaultPoint(point: FaultPoint, reached: (point: FaultPoint) => Promise<void>): void {
  armed = { point, reached };
}

export async function faultPoint(point: FaultPoint): Promise<void> {
  if (armed?.point === point) await armed.reached(point);
}
