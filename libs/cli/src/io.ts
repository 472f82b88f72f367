/** Where a command writes. The real CLI passes process streams; tests capture the text. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
}

export const EXIT = {
  ok: 0,
  /** The command ran and found a problem (e.g. `protocols validate` with an invalid file). */
  failed: 1,
  /** Bad arguments: nothing was run. */
  usage: 2,
} as const;

/** Prints exactly one JSON object, on one line, for `--json`. */
export function printJson(io: Io, value: unknown): void {
  io.out(`${JSON.stringify(value)}\n`);
}
