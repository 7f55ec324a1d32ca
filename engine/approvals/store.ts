import type { ApprovalRequest, ApprovalStatus } from "./types.js";

export interface ListOptions {
  status?: ApprovalStatus;
  /** Only requests bound to this request hash (findGrant's lookup). */
  request_hash?: string;
  /** At most this many, newest first (default: all). */
  limit?: number;
}

/** The fields a change may set; `version` is the store's to advance. */
export type ApprovalPatch = Partial<Omit<ApprovalRequest, "id" | "version">>;

/**
 * Where approval requests live. The embedded file store (file-store.ts) needs no server; the
 * PostgreSQL store (postgres-store.ts) is shared by several gateway instances. Every write resolves only
 * once it would survive a crash of the process.
 */
export interface ApprovalStore {
  /** Stores a new request (version 1). */
  create(request: ApprovalRequest): Promise<void>;
  get(id: string): Promise<ApprovalRequest | undefined>;
  /** Newest first. */
  list(options?: ListOptions): Promise<ApprovalRequest[]>;
  /**
   * Compare and set: applies `patch` and advances the version only when the stored version is still
   * `expectedVersion`; resolves with the stored result, or undefined when the request is missing or has
   * changed meanwhile (the caller reads it again and decides anew).
   */
  update(id: string, expectedVersion: number, patch: ApprovalPatch): Promise<ApprovalRequest | undefined>;
  /**
   * For stores shared between processes: calls `onChange(id)` when a request changed anywhere, and
   * `onChange(undefined)` when changes may have been missed (a lost connection), so waiters look again.
   * Returns a function that stops watching.
   */
  watch?(onChange: (id: string | undefined) => void): () => void;
  close(): Promise<void>;
}

/** The list order every store uses: newest first, ties by id. */
export function newestFirst(a: ApprovalRequest, b: ApprovalRequest): number {
  return b.created_at.localeCompare(a.created_at) || b.id.localeCompare(a.id);
}

export function matchesList(request: ApprovalRequest, options: ListOptions): boolean {
  return (options.status === undefined || request.status === options.status) && (options.request_hash === undefined || request.request_hash === options.request_hash);
}
