import { createHash } from "node:crypto";
import { stat, type FileHandle } from "node:fs/promises";
import { resolve } from "node:path";
import { messageOf } from "../errors.js";
import { writeAll, writeAllSync } from "../storage/durable-file.js";
import type { FileLock } from "../storage/file-lock.js";
import { openLockedFile } from "../storage/locked-file.js";
import { chainLines, EMPTY_HEAD, hashRecord, recordShapeProblem, type ChainEntry } from "./chain.js";
import { AuditError } from "./errors.js";
import { fileLines, readTail } from "./file-lines.js";
import type { AuditSource, AuditStore, RepairReport, StoredEntry } from "./store.js";
import type { AuditRecord, ChainHead } from "./types.js";

/**
 * The embedded audit store: one JSON Lines file, one record per line, appended under an exclusive lock
 * file (`FILE.lock`). A batch is written with one write and made durable with one fdatasync before
 * `append` resolves. Opening reads only the end of the file: it continues the chain from the last
 * whole record, and cuts off a torn last line (bytes after the last newline, left by an interrupted
 * write) and reports it, so nothing is ever chained onto half a record. It does not re-verify the
 * whole chain; `portcullis audit verify` does.
 */
/**
 * When an appended batch is acknowledged:
 * - `fsync`: after write and fdatasync: survives a power cut (each batch pays one sync, a few ms on
 *   ordinary disks; concurrent appends share it);
 * - `write`: after the write reached the kernel: survives the gateway being killed (kill -9, a crash)
 *   but not the machine losing power within `syncIntervalMs`; the file is fdatasync'ed at that interval.
 */
export type AuditDurability = "fsync" | "write";

export interface FileAuditStoreOptions {
  durability?: AuditDurability;
  /** With `write` durability, how often written records are synced (default 100 ms). */
  syncIntervalMs?: number;
}

export class FileAuditStore implements AuditStore {
  readonly path: string;
  readonly durability: AuditDurability;
  private readonly syncIntervalMs: number;
  private syncTimer: NodeJS.Timeout | undefined;
  readonly repair: RepairReport | undefined;
  private readonly handle: FileHandle;
  private readonly lock: FileLock;
  private current: ChainHead;
  private size: number;
  private failure: AuditError | undefined;
  private closed = false;

  private constructor(path: string, handle: FileHandle, lock: FileLock, head: ChainHead, size: number, repair: RepairReport | undefined, options: FileAuditStoreOptions) {
    this.path = path;
    this.durability = options.durability ?? "fsync";
    this.syncIntervalMs = options.syncIntervalMs ?? 100;
    this.handle = handle;
    this.lock = lock;
    this.current = head;
    this.size = size;
    this.repair = repair;
  }

  static async open(path: string, options: FileAuditStoreOptions = {}): Promise<FileAuditStore> {
    const locked = (file: string, holder: number): Error => new AuditError("AUDIT_LOG_LOCKED", `the audit log ${file} is being written by process ${holder}`);
    return openLockedFile(path, { locked }, async (file, handle, lock) => {
      let size = (await handle.stat()).size;
      const tail = await readTail(handle, size);
      const head = tail.lastLine === undefined ? EMPTY_HEAD : headOf(tail.lastLine, file);
      let repair: RepairReport | undefined;
      if (tail.torn.length > 0) {
        size -= tail.torn.length;
        await handle.truncate(size);
        await handle.datasync();
        repair = { after_seq: head.seq, truncated_bytes: tail.torn.length, truncated_sha256: createHash("sha256").update(tail.torn).digest("hex") };
      }
      return new FileAuditStore(file, handle, lock, head, size, repair, options);
    });
  }

  head(): Promise<ChainHead> {
    return Promise.resolve(this.current);
  }

  /** Not re-entrant: the caller (AuditLog) runs one batch at a time. */
  async append(entries: ReadonlyArray<ChainEntry>): Promise<AuditRecord[]> {
    if (this.closed) throw new AuditError("AUDIT_LOG_CLOSED", `the audit log ${this.path} is closed`);
    if (this.failure) throw this.failure;
    const { records, text } = chainLines(this.current, entries);
    const data = Buffer.from(text, "utf8");
    try {
      if (this.durability === "fsync") {
        await writeAll(this.handle, data);
        await this.handle.datasync();
      } else {
        // Acknowledged once in the kernel's page cache: a write of a few kilobytes there costs less
        // than handing it to the thread pool and waiting for its answer, and a kill -9 after it loses
        // nothing. The sync follows on a timer.
        writeAllSync(this.handle.fd, data);
        this.scheduleSync();
      }
    } catch (error) {
      // After a failed write or sync the file's state is unknown: stop taking records (the gateway then
      // denies) rather than acknowledge one that may not be on disk. Cut back what this batch may have left.
      this.failure = new AuditError("AUDIT_LOG_FAILED", `writing the audit log ${this.path} failed: ${messageOf(error)}`, { cause: error });
      await this.handle.truncate(this.size).catch(() => undefined);
      throw this.failure;
    }
    this.size += data.length;
    const last = records[records.length - 1];
    if (last) this.current = { seq: last.seq, hash: last.hash };
    return records;
  }

  /** With `write` durability: one fdatasync for everything written in the last interval. */
  private scheduleSync(): void {
    if (this.syncTimer) return;
    this.syncTimer = setTimeout(() => {
      this.syncTimer = undefined;
      if (this.closed) return;
      this.handle.datasync().catch((error: unknown) => {
        this.failure = new AuditError("AUDIT_LOG_FAILED", `syncing the audit log ${this.path} failed: ${messageOf(error)}`, { cause: error });
      });
    }, this.syncIntervalMs);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.syncTimer) clearTimeout(this.syncTimer);
    this.syncTimer = undefined;
    await this.handle.datasync().catch(() => undefined);
    await this.handle.close();
    await this.lock.release();
  }
}

/** The chain head a log file ends in, read from its last whole line, which must be an intact record. */
function headOf(line: string, file: string): ChainHead {
  let record: AuditRecord;
  try {
    record = JSON.parse(line) as AuditRecord;
  } catch {
    throw corrupt(file, "is not JSON");
  }
  const problem = recordShapeProblem(record);
  if (problem) throw corrupt(file, problem);
  if (hashRecord(record) !== record.hash) throw corrupt(file, `(seq ${record.seq}) does not match its hash`);
  return { seq: record.seq, hash: record.hash };
}

function corrupt(file: string, why: string): AuditError {
  return new AuditError("AUDIT_LOG_CORRUPT", `the last record of the audit log ${file} ${why}; run \`portcullis audit verify --log ${file}\` before writing to it`);
}

/** Reads a log file for verification and search, without its lock. */
export function fileSource(path: string): AuditSource {
  const file = resolve(path);
  return {
    name: file,
    async *entries(options?: { fromByte?: number }): AsyncIterable<StoredEntry> {
      const exists = await stat(file).then((s) => s.isFile(), () => false);
      if (!exists) throw new AuditError("AUDIT_LOG_MISSING", `no audit log at ${file}`);
      yield* fileLines(file, options?.fromByte ?? 0);
    },
  };
}
