import type { ChainEntry } from "./chain.js";
import type { AuditRecord, ChainHead } from "./types.js";

/**
 * Where audit records live. The embedded file store (file-store.ts) is the default; a shared store
 * (PostgreSQL) implements the same two interfaces. A store owns the chain's head: `append` must chain
 * onto the head and persist atomically (one writer at a time), because several gateway instances may
 * share a store.
 */
export interface AuditStore {
  /** Chains `entries` onto the head in order and resolves only once they survive a crash. */
  append(entries: ReadonlyArray<ChainEntry>): Promise<AuditRecord[]>;
  head(): Promise<ChainHead>;
  /** What opening the store found and cut off, when the last write had been interrupted. */
  readonly repair: RepairReport | undefined;
  close(): Promise<void>;
}

export interface RepairReport {
  /** The seq of the last whole record, which the cut-off bytes would have followed. */
  after_seq: number;
  truncated_bytes: number;
  truncated_sha256: string;
}

/** One stored record as text, in store order, for verification and reading. */
export interface StoredEntry {
  /** 1-based position in the store (the line number of a file). */
  position: number;
  text: string;
  /** False for a last line with no newline: a write that was interrupted. */
  terminated: boolean;
}

/** Reads a store's records in order without taking its writer lock. */
export interface AuditSource {
  /** How to name the store in messages (a file path). */
  readonly name: string;
  entries(options?: { fromByte?: number }): AsyncIterable<StoredEntry>;
}
