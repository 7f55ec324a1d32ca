import { messageOf } from "../errors.js";
import { auditEventProblem } from "./event-schema.js";
import { AuditError } from "./errors.js";
import { canonicalJson } from "./canonical-json.js";
import { DecisionLines, decisionLineReuse } from "./event-lines.js";
import { FileAuditStore, type FileAuditStoreOptions } from "./file-store.js";
import { PrepareThread } from "./prepare-thread.js";
import { eventWeight, prepareEventJson } from "./prepare.js";
import { usableSecrets, type RedactOptions } from "./redact.js";
import type { AuditStore, RepairReport } from "./store.js";
import type { AuditEvent, AuditRecord, ChainHead, DecisionEvent } from "./types.js";

/** Events carrying more text than this are redacted and bounded on a worker thread. */
const PREPARE_INLINE_CHARS = 64 * 1024;

interface Pending {
  time: string;
  event: AuditEvent;
  /** The event's canonical JSON, when already made (it is then what is hashed and written). */
  json?: string;
  resolve(record: AuditRecord): void;
  reject(error: Error): void;
}

export interface AuditLogOptions extends RedactOptions, FileAuditStoreOptions {
  /** The most events written with one sync. */
  maxBatch?: number;
}

/** How appends were grouped: `syncs` below `appends` means concurrent appends shared a sync. */
export interface AuditLogStats {
  appends: number;
  /** Decision events written from the skeleton of an earlier one (event-lines.ts). */
  reused: number;
  batches: number;
  largestBatch: number;
}

/**
 * The append-only, hash-chained audit log. `append` resolves once the record is durable, so a proxy that
 * awaits it before forwarding never forwards an unrecorded request. Appends that arrive while a sync is
 * in flight are written together by the next one (group commit): one sync serves a whole batch.
 *
 * Every event is passed through the redaction guard (redact.ts) and validated against
 * schemas/audit-record.json first; an invalid event is refused (AUDIT_INVALID_EVENT) and a failed write
 * refuses every later append (AUDIT_LOG_FAILED): callers deny when they cannot audit.
 *
 * ```ts
 * const log = await AuditLog.open(".portcullis/audit.log", { secrets: [targetPassword] });
 * const record = await log.append(decisionEvent(request, verdict));
 * ```
 */
export class AuditLog {
  private readonly store: AuditStore;
  private readonly options: AuditLogOptions;
  /** Redacts and bounds large events off the event loop (started on first need). */
  private preparer: PrepareThread | undefined;
  /** Large events accepted and being prepared: close() waits for them too. */
  private readonly preparing = new Set<Promise<unknown>>();
  private queue: Pending[] = [];
  private draining = false;
  private closed = false;
  private failure: Error | undefined;
  private idle: Promise<void> = Promise.resolve();
  private markIdle: () => void = () => undefined;
  private readonly counts: AuditLogStats = { appends: 0, reused: 0, batches: 0, largestBatch: 0 };
  /** Skeletons of decision events prepared before, for the next ones that differ only in their texts. */
  private readonly lines = new DecisionLines();
  /** The registered secrets the value search looks for. */
  private readonly secrets: string[];

  private constructor(store: AuditStore, options: AuditLogOptions) {
    this.store = store;
    this.options = options;
    this.secrets = usableSecrets(options);
  }

  /**
   * Opens (creating it if needed) the log file at `path` and continues its chain. When the last write
   * had been torn by a crash, the torn bytes are cut off, `repaired` says so, and a `log_repaired`
   * record is appended so the trail itself shows it.
   */
  static async open(path: string, options: AuditLogOptions = {}): Promise<AuditLog> {
    return AuditLog.over(await FileAuditStore.open(path, options), options);
  }

  /** A log over any store (the file store, or a shared one). */
  static async over(store: AuditStore, options: AuditLogOptions = {}): Promise<AuditLog> {
    const log = new AuditLog(store, options);
    if (store.repair) {
      try {
        await log.append({ type: "log_repaired", ...store.repair });
      } catch (error) {
        await store.close();
        throw error;
      }
    }
    return log;
  }

  /** What opening cut off, when the last write before it had been interrupted. */
  get repaired(): RepairReport | undefined {
    return this.store.repair;
  }

  get stats(): AuditLogStats {
    return { ...this.counts };
  }

  head(): Promise<ChainHead> {
    return this.store.head();
  }

  /** Redacts, bounds (bound.ts), validates and durably appends one event; resolves with its record. */
  append(event: AuditEvent): Promise<AuditRecord> {
    if (this.closed) return Promise.reject(new AuditError("AUDIT_LOG_CLOSED", "the audit log is closed"));
    if (this.failure) return Promise.reject(this.failure);
    // A large event (a megabyte-long statement) is prepared off the event loop; the rest in place.
    if (eventWeight(event) > PREPARE_INLINE_CHARS) {
      const prepared = (this.preparer ??= new PrepareThread()).prepare(event, this.options.secrets ?? []);
      this.preparing.add(prepared);
      const settled = (): void => void this.preparing.delete(prepared);
      prepared.then(settled, settled);
      return prepared.then((clean) => this.enqueue(event, clean));
    }
    const key = decisionLineReuse.enabled ? this.lines.keyOf(event) : undefined;
    if (key !== undefined) {
      // Names and values were searched in the skeleton; the texts are searched for values there.
      const json = this.lines.jsonOf(key, event as DecisionEvent, this.secrets);
      if (json !== undefined) {
        this.counts.reused += 1;
        return this.queueClean(event, json);
      }
    }
    const prepared = prepareEventJson(event, this.options);
    const appended = this.enqueue(event, prepared.event, prepared.json);
    // A skeleton is kept only once its event proved valid, and only when nothing was redacted or cut.
    if (key !== undefined && prepared.event === event) void appended.then(() => this.lines.learn(key, event as DecisionEvent, prepared.json, canonicalJson), () => undefined);
    return appended;
  }

  /** Queues a prepared event; an event accepted before close() is still written. */
  private enqueue(event: AuditEvent, clean: AuditEvent, json?: string): Promise<AuditRecord> {
    if (this.failure) return Promise.reject(this.failure);
    const problem = auditEventProblem(clean);
    if (problem) return Promise.reject(new AuditError("AUDIT_INVALID_EVENT", `audit event ${event.type} is invalid: ${problem}`));
    return this.queueClean(clean, json);
  }

  /** Queues an event already redacted, bounded and validated. */
  private queueClean(clean: AuditEvent, json?: string): Promise<AuditRecord> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<AuditRecord>((resolve, reject) => {
      this.queue.push({ time: new Date().toISOString(), event: clean, ...(json !== undefined ? { json } : {}), resolve, reject });
      if (!this.draining) void this.drain();
    });
  }

  /** Waits for every accepted append, then releases the log. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.preparing]);
    await this.idle;
    await this.preparer?.close();
    await this.store.close();
  }

  private async drain(): Promise<void> {
    this.draining = true;
    this.idle = new Promise((resolve) => (this.markIdle = resolve));
    const max = this.options.maxBatch ?? 1024;
    while (this.queue.length > 0) {
      // Group commit: every append of this event-loop turn (other sessions' statements that arrived
      // in the same poll) joins one write; with fsync, so do callers whose previous append just
      // resolved. Each caller still waits for its own record to be written before it forwards.
      await new Promise((resolve) => setImmediate(resolve));
      const batch = this.queue.splice(0, max);
      if (this.failure) {
        for (const p of batch) p.reject(this.failure);
        continue;
      }
      try {
        const records = await this.store.append(batch.map(({ time, event, json }) => (json !== undefined ? { time, event, json } : { time, event })));
        this.counts.appends += batch.length;
        this.counts.batches += 1;
        this.counts.largestBatch = Math.max(this.counts.largestBatch, batch.length);
        batch.forEach((p, i) => p.resolve(records[i]!));
      } catch (error) {
        this.failure = error instanceof AuditError ? error : new AuditError("AUDIT_LOG_FAILED", `audit append failed: ${messageOf(error)}`, { cause: error });
        for (const p of batch) p.reject(this.failure);
      }
    }
    this.draining = false;
    this.markIdle();
  }
}
