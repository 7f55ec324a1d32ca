import { stat } from "node:fs/promises";
import { readRecords } from "./query.js";
import type { AuditSource } from "./store.js";
import type { AuditRecord } from "./types.js";

/**
 * Calls `onRecord` for each record appended to a log file after byte `fromByte`, polling its size every
 * `intervalMs`, until `signal` aborts. Only whole lines are read, so a record being written is picked up
 * once its newline is there. A file that shrinks (repaired or replaced) is read again from its start.
 */
export async function followLog(
  source: AuditSource,
  fromByte: number,
  onRecord: (record: AuditRecord) => void,
  signal: AbortSignal,
  intervalMs = 200,
): Promise<void> {
  let offset = fromByte;
  while (!signal.aborted) {
    const size = await stat(source.name).then((s) => s.size, () => 0);
    if (size < offset) offset = 0;
    if (size > offset) {
      for await (const { record, end } of readRecords(source, { fromByte: offset })) {
        onRecord(record);
        offset = end;
      }
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, intervalMs);
      signal.addEventListener("abort", () => {
        clearTimeout(timer);
        resolve();
      }, { once: true });
    });
  }
}
