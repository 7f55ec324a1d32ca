import { createHash } from "node:crypto";
import { mkdir, open, readdir, type FileHandle } from "node:fs/promises";
import { join, resolve } from "node:path";
import { messageOf } from "../errors.js";
import { syncDirectory, writeAll } from "../storage/durable-file.js";
import { RecordingError } from "./errors.js";
import { readRecordingFile, summarize } from "./read.js";
import type { RecordingStore, RecordingWriter } from "./store.js";
import type { Recording, RecordingLine, RecordingSummary } from "./types.js";

const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/**
 * The file a session's recording is kept in: `<session id>.jsonl` (the extension
 * `portcullis conformance run` replays). An id that is not a safe file name keeps its safe characters
 * and gains a hash of the whole id, so two ids never share a file and none escapes the directory.
 */
export function recordingFileName(sessionId: string): string {
  if (SAFE_ID.test(sessionId)) return `${sessionId}.jsonl`;
  const safe = sessionId.replace(/[^A-Za-z0-9._-]/g, "_").replace(/^[._-]+/, "").slice(0, 64);
  const digest = createHash("sha256").update(sessionId, "utf8").digest("hex").slice(0, 16);
  return `${safe ? `${safe}-` : ""}${digest}.jsonl`;
}

/** A directory of recordings, one file per session. */
export class FileRecordingStore implements RecordingStore {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = resolve(dir);
  }

  async create(sessionId: string): Promise<RecordingWriter> {
    await mkdir(this.dir, { recursive: true });
    const file = join(this.dir, recordingFileName(sessionId));
    let handle: FileHandle;
    try {
      handle = await open(file, "wx", 0o600);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "EEXIST") throw new RecordingError("RECORDING_EXISTS", `a recording of session ${sessionId} already exists: ${file}`);
      throw new RecordingError("RECORDING_FAILED", `cannot create the recording ${file}: ${messageOf(error)}`, { cause: error });
    }
    await syncDirectory(this.dir).catch(() => undefined);
    return new FileRecordingWriter(file, handle);
  }

  async list(): Promise<RecordingSummary[]> {
    const names = await readdir(this.dir).catch((error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT") return [] as string[];
      throw error;
    });
    const summaries: RecordingSummary[] = [];
    for (const name of names.filter((n) => n.endsWith(".jsonl")).sort()) {
      const recording = await readRecordingFile(join(this.dir, name)).catch(() => undefined);
      if (recording) summaries.push(summarize(recording));
    }
    return summaries.sort((a, b) => (a.started_at ?? "").localeCompare(b.started_at ?? ""));
  }

  read(sessionId: string): Promise<Recording> {
    return readRecordingFile(join(this.dir, recordingFileName(sessionId)));
  }
}

/**
 * Appends lines to one recording file. Lines are gathered for up to FLUSH_MS (or FLUSH_BYTES) and
 * written together, one batch at a time, so they keep their order without blocking the session and a
 * busy session costs a write every few milliseconds, not one per statement; the file is synced when
 * the recording closes. (The audit log, not the recording, is the record that must be durable before
 * a request is forwarded: a crash may lose the last FLUSH_MS of a recording, never of the audit log.)
 */
const FLUSH_MS = 20;
const FLUSH_BYTES = 64 * 1024;

class FileRecordingWriter implements RecordingWriter {
  private readonly file: string;
  private readonly handle: FileHandle;
  private pending: string[] = [];
  private pendingBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> | undefined;
  private error: Error | undefined;

  constructor(file: string, handle: FileHandle) {
    this.file = file;
    this.handle = handle;
  }

  get failure(): Error | undefined {
    return this.error;
  }

  write(line: RecordingLine, json = JSON.stringify(line)): void {
    if (this.error) return;
    this.pending.push(`${json}\n`);
    this.pendingBytes += json.length + 1;
    if (this.pendingBytes >= FLUSH_BYTES) this.startFlush();
    else this.timer ??= setTimeout(() => this.startFlush(), FLUSH_MS);
  }

  async close(): Promise<void> {
    this.startFlush();
    while (this.writing) await this.writing;
    try {
      if (!this.error) await this.handle.datasync();
    } finally {
      await this.handle.close();
    }
    if (this.error) throw this.error;
  }

  /** Writes what is gathered now, after the batch being written (if any). */
  private startFlush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.writing || this.pending.length === 0 || this.error) return;
    const writing = this.flush();
    this.writing = writing;
    // Cleared only once it has settled (flush may settle before this assignment, but not before this
    // callback), and lines gathered meanwhile follow at once.
    void writing.finally(() => {
      if (this.writing === writing) this.writing = undefined;
      if (this.pending.length > 0) this.startFlush();
    });
  }

  private async flush(): Promise<void> {
    try {
      while (this.pending.length > 0 && !this.error) {
        const batch = this.pending.join("");
        this.pending = [];
        this.pendingBytes = 0;
        await writeAll(this.handle, Buffer.from(batch, "utf8"));
      }
    } catch (error) {
      this.error = new RecordingError("RECORDING_FAILED", `writing the recording ${this.file} failed: ${messageOf(error)}`, { cause: error });
    }
  }
}
