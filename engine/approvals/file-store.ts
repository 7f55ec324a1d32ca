import { readStoredApproval } from "./stored-approval.js";
import { open, readFile, rename, type FileHandle } from "node:fs/promises";
import { basename, dirname } from "node:path";
import { messageOf } from "../errors.js";
import { syncDirectory, writeAll } from "../storage/durable-file.js";
import type { FileLock } from "../storage/file-lock.js";
import { openLockedFile } from "../storage/locked-file.js";
import { ApprovalError } from "./errors.js";
import { matchesList, newestFirst, type ApprovalPatch, type ApprovalStore, type ListOptions } from "./store.js";
import type { ApprovalRequest } from "./types.js";

/** Rewrite the file at open when it holds this many more lines than live requests (old versions). */
const COMPACT_SLACK = 256;

/**
 * The embedded approval store: a JSON Lines file where every line is a whole request at one version, so
 * the last line for an id is its current state. A change is one appended line, written and fdatasync'ed
 * before it resolves, under an exclusive lock file (`FILE.lock`): one gateway process owns the file, and
 * compare-and-set runs inside it one change at a time.
 *
 * Opening replays the file. A torn last line (bytes after the last newline: a write cut short by a
 * crash) was never acknowledged and is cut off; any other line that is not a request means the file was
 * damaged, and opening refuses rather than guess. A file that is mostly old versions is rewritten (to a
 * temporary file, synced, renamed over the old one).
 */
export class FileApprovalStore implements ApprovalStore {
  readonly path: string;
  /** Bytes of a torn last line cut off at open (0 when the last write had finished). */
  readonly repairedBytes: number;
  private handle: FileHandle;
  private readonly lock: FileLock;
  private readonly requests: Map<string, ApprovalRequest>;
  private size: number;
  private queue: Promise<unknown> = Promise.resolve();
  private failure: ApprovalError | undefined;
  private closed = false;

  private constructor(path: string, handle: FileHandle, lock: FileLock, requests: Map<string, ApprovalRequest>, size: number, repairedBytes: number) {
    this.path = path;
    this.handle = handle;
    this.lock = lock;
    this.requests = requests;
    this.size = size;
    this.repairedBytes = repairedBytes;
  }

  static async open(path: string): Promise<FileApprovalStore> {
    const locked = (file: string, holder: number): Error => new ApprovalError("STORE_LOCKED", `the approval store ${file} is in use by process ${holder}`);
    return openLockedFile(path, { dirMode: 0o700, locked }, async (file, handle, lock) => {
      const bytes = await readFile(file);
      const end = bytes.lastIndexOf(10) + 1;
      const { requests, lines } = replay(bytes.subarray(0, end).toString("utf8"), file);
      const torn = bytes.length - end;
      if (torn > 0) {
        await handle.truncate(end);
        await handle.datasync();
      }
      const store = new FileApprovalStore(file, handle, lock, requests, end, torn);
      if (lines > requests.size * 2 + COMPACT_SLACK) await store.compact();
      return store;
    });
  }

  create(request: ApprovalRequest): Promise<void> {
    return this.serial(async () => {
      if (this.requests.has(request.id)) throw new ApprovalError("INVALID", `approval ${request.id} already exists`);
      await this.write(request);
    });
  }

  get(id: string): Promise<ApprovalRequest | undefined> {
    const found = this.requests.get(id);
    return Promise.resolve(found && structuredClone(found));
  }

  list(options: ListOptions = {}): Promise<ApprovalRequest[]> {
    const all = [...this.requests.values()].filter((r) => matchesList(r, options)).sort(newestFirst);
    return Promise.resolve(all.slice(0, options.limit ?? all.length).map((r) => structuredClone(r)));
  }

  update(id: string, expectedVersion: number, patch: ApprovalPatch): Promise<ApprovalRequest | undefined> {
    return this.serial(async () => {
      const current = this.requests.get(id);
      if (!current || current.version !== expectedVersion) return undefined;
      const next: ApprovalRequest = { ...structuredClone(current), ...structuredClone(patch), id, version: expectedVersion + 1 };
      await this.write(next);
      return structuredClone(next);
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue.catch(() => undefined);
    await this.handle.close();
    await this.lock.release();
  }

  /** Runs changes one at a time, so compare-and-set and the append are one step. */
  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(() => {
      if (this.closed) throw new ApprovalError("CLOSED", `the approval store ${this.path} is closed`);
      if (this.failure) throw this.failure;
      return work();
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Appends one request line and syncs it; only then does the in-memory state change. */
  private async write(request: ApprovalRequest): Promise<void> {
    const data = Buffer.from(`${JSON.stringify(request)}\n`, "utf8");
    try {
      await writeAll(this.handle, data);
      await this.handle.datasync();
    } catch (error) {
      // The file's end is unknown after a failed write or sync: take no more changes than we can vouch for.
      this.failure = new ApprovalError("STORE_FAILED", `writing the approval store ${this.path} failed: ${messageOf(error)}`, { cause: error });
      await this.handle.truncate(this.size).catch(() => undefined);
      throw this.failure;
    }
    this.size += data.length;
    this.requests.set(request.id, structuredClone(request));
  }

  /** Rewrites the file with only the current version of each request. */
  private async compact(): Promise<void> {
    const temp = `${this.path}.compact`;
    const out = await open(temp, "w", 0o600);
    let size = 0;
    try {
      const data = Buffer.from([...this.requests.values()].map((r) => `${JSON.stringify(r)}\n`).join(""), "utf8");
      await writeAll(out, data);
      await out.datasync();
      size = data.length;
    } finally {
      await out.close();
    }
    await rename(temp, this.path);
    await syncDirectory(dirname(this.path));
    await this.handle.close();
    this.handle = await open(this.path, "a+", 0o600);
    this.size = size;
  }
}

/** The current version of every request in the file's whole lines; refuses a damaged line. */
function replay(text: string, file: string): { requests: Map<string, ApprovalRequest>; lines: number } {
  const requests = new Map<string, ApprovalRequest>();
  const lines = text.split("\n").slice(0, -1);
  lines.forEach((line, index) => {
    const request = parseLine(line);
    if (!request) throw new ApprovalError("STORE_CORRUPT", `line ${index + 1} of the approval store ${file} is not an approval request; the file was damaged (restore it, or move ${basename(file)} aside to start empty)`);
    const known = requests.get(request.id);
    if (!known || request.version >= known.version) requests.set(request.id, request);
  });
  return { requests, lines: lines.length };
}

function parseLine(line: string): ApprovalRequest | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  const r = value as Partial<ApprovalRequest>;
  const ok = typeof r.id === "string" && typeof r.version === "number" && typeof r.status === "string" && typeof r.created_at === "string" && typeof r.request_hash === "string";
  return ok ? readStoredApproval(value as ApprovalRequest) : undefined;
}
