import type { SessionEvent } from "../../proxy/gate/types.js";
import { AuditLog } from "../../engine/audit/index.js";
import type { Target } from "../../engine/policy/types.js";
import { auditEventOf } from "../../proxy/gateway/audit-events.js";
import { SessionRecordings } from "../../proxy/gateway/session-recordings.js";

/** The gateway's `record` callback, and what it saw by the time the gateway stopped. */
export interface Recorder {
  record(event: SessionEvent): Promise<void>;
  stats(): Record<string, number>;
  close(): Promise<void>;
}

function counter(): { count(event: SessionEvent): void; counts: Record<string, number> } {
  const counts: Record<string, number> = {};
  return { counts, count: (event) => void (counts[event.type] = (counts[event.type] ?? 0) + 1) };
}

/**
 * Keeps nothing: it counts events and resolves at once, so the measured gateway pays for deciding and
 * relaying only (retaining every verdict in memory would instead measure a growing heap).
 */
export function countingRecorder(): Recorder {
  const { counts, count } = counter();
  return {
    record: async (event) => count(event),
    stats: () => ({ ...counts }),
    close: async () => undefined,
  };
}

/**
 * The gateway's durable path: decisions and session starts and ends go to the hash-chained audit log
 * (engine/audit), whose append resolves once written (`write`, the gateway's default) or only after
 * fdatasync (`fsync`); appends from concurrent sessions that
 * arrive during one sync share the next (group commit). With `recording`, every event also goes to the
 * session recordings, as in `portcullis serve`; the gateway does not wait for those before forwarding.
 */
export async function auditRecorder(path: string, secrets: string[], tags: Record<string, string>, durability: "write" | "fsync", recording?: { dir: string; revision: () => string }): Promise<Recorder> {
  const log = await AuditLog.open(path, { secrets, durability });
  // Session recordings, as `portcullis serve` keeps them by default: each request and its result,
  // handed over after the audit record is written (nothing waits for them).
  const recordings = recording ? new SessionRecordings(recording.dir, secrets, () => undefined) : undefined;
  const targetOf = (name: string): Target => ({ name, type: "postgres", tags });
  const { counts, count } = counter();
  return {
    async record(event) {
      count(event);
      // What `portcullis serve` writes for the event (proxy/gateway/audit-events.ts), before it is forwarded.
      const auditEvent = auditEventOf(event, targetOf);
      if (auditEvent) await log.append(auditEvent);
      if (recordings && recording) recordings.handle(event, targetOf, recording.revision);
    },
    stats() {
      const s = log.stats;
      return { ...counts, audit_appends: s.appends, audit_syncs: s.batches, audit_largest_batch: s.largestBatch };
    },
    close: async () => {
      await recordings?.close();
      await log.close();
    },
  };
}
