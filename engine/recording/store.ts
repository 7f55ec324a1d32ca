import type { Recording, RecordingLine, RecordingSummary } from "./types.js";

/**
 * Where recordings live: the embedded store is a directory with one JSON Lines file per session
 * (file-store.ts); a shared store implements the same interface.
 */
export interface RecordingStore {
  /** Starts a new recording; fails with RECORDING_EXISTS rather than overwrite one. */
  create(sessionId: string): Promise<RecordingWriter>;
  list(): Promise<RecordingSummary[]>;
  read(sessionId: string): Promise<Recording>;
}

export interface RecordingWriter {
  /** Queues a line (`json`: its JSON, when made already); lines are written in the order given. */
  write(line: RecordingLine, json?: string): void;
  /** Set once a write failed; nothing after it is written. */
  readonly failure: Error | undefined;
  /** Writes what is queued, syncs and closes. */
  close(): Promise<void>;
}
