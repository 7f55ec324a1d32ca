import { performance } from "node:perf_hooks";
import type { RawRequest } from "../actions/types.js";
import { hasSecretName, mayHoldSecretValue, redact, usableSecrets, type RedactOptions } from "../audit/redact.js";
import type { ApprovalGrant, Decision, Identity, SessionInfo, Target } from "../policy/types.js";
import { check } from "../schemas.js";
import { RecordingError } from "./errors.js";
import { FileRecordingStore } from "./file-store.js";
import type { RecordingStore, RecordingWriter } from "./store.js";
import { terminalData } from "./terminal-data.js";
import { RECORDING_VERSION, type RecordedResult, type RecordingLine, type RequestLine, type TerminalLine } from "./types.js";

export interface RecordingHeader {
  session: SessionInfo;
  identity: Identity;
  target: Target;
  policy_revision?: string;
}

/** What the gateway knows when a request has been decided. */
export interface DecidedRequest {
  request: RawRequest;
  decision: Decision;
  approval?: ApprovalGrant;
  /** The seq of the decision's audit record. */
  audit_seq?: number;
  decide_us?: number;
}

/** A decided request whose response is still going to the client. */
export interface PendingRequest {
  readonly seq: number;
  /** Writes the request's line; `duration_us` is measured from when it was decided unless given. */
  finish(result?: RecordedResult, duration_us?: number): void;
}

/**
 * Records one session in the format of schemas/recording.json: a `session` line when it starts, a
 * `request` line per decided request once its response is complete (statements, decisions, timings,
 * row counts and masked-column metadata; never row values), and an `end` line. Every line passes the
 * redaction guard (engine/audit/redact.ts), with the target's credentials registered as `secrets`, and
 * is validated before it is written. After a write fails, `request` throws RECORDING_FAILED: a
 * session that cannot be recorded should not go on.
 *
 * ```ts
 * const recorder = await SessionRecorder.start("recordings", { session, identity, target }, { secrets: [password] });
 * const pending = recorder.request({ request: { kind: "sql", text }, decision: verdict.decision, audit_seq: record.seq });
 * // … forward, stream the response …
 * pending.finish({ kind: "sql", command_tag: "SELECT 3", rows: 3, masked_columns: ["public.users.email"] });
 * recorder.terminal("output", Buffer.from("hello\r\n"), pending.seq); // a terminal session's bytes
 * await recorder.end("client closed");
 * ```
 */
export class SessionRecorder {
  readonly sessionId: string;
  private readonly writer: RecordingWriter;
  private readonly options: RedactOptions;
  /** The registered secrets the quick look searches for. */
  private readonly secrets: string[];
  private readonly startedAt: number;
  private seq = 0;
  private readonly open = new Map<number, () => void>();
  private ended = false;

  private constructor(sessionId: string, writer: RecordingWriter, options: RedactOptions, startedAt: number) {
    this.sessionId = sessionId;
    this.writer = writer;
    this.options = options;
    this.secrets = usableSecrets(options);
    this.startedAt = startedAt;
  }

  /** Creates the session's recording in `store` (a directory path means the file store) and writes its first line. */
  static async start(store: RecordingStore | string, header: RecordingHeader, options: RedactOptions = {}): Promise<SessionRecorder> {
    const target = typeof store === "string" ? new FileRecordingStore(store) : store;
    const startedAt = header.session.started_at ?? new Date().toISOString();
    const writer = await target.create(header.session.id);
    const recorder = new SessionRecorder(header.session.id, writer, options, Date.parse(startedAt));
    const line: RecordingLine = { type: "session", version: RECORDING_VERSION, session: { ...header.session, started_at: startedAt }, identity: header.identity, target: header.target };
    if (header.policy_revision !== undefined) line.policy_revision = header.policy_revision;
    recorder.write(line);
    return recorder;
  }

  /** Notes a decided request; its line is written when `finish` is called (or when the session ends). */
  request(decided: DecidedRequest): PendingRequest {
    if (this.writer.failure) throw this.writer.failure;
    if (this.ended) throw new RecordingError("RECORDING_FAILED", `the recording of session ${this.sessionId} has ended`);
    const seq = ++this.seq;
    const now = Date.now();
    const t0 = performance.now();
    const line: RequestLine = { type: "request", seq, at: new Date(now).toISOString(), offset_ms: Math.max(0, now - this.startedAt), request: decided.request, decision: decided.decision };
    if (decided.approval) line.approval = decided.approval;
    if (decided.audit_seq !== undefined) line.audit_seq = decided.audit_seq;
    if (decided.decide_us !== undefined) line.decide_us = decided.decide_us;
    let done = false;
    const finish = (result?: RecordedResult, duration_us?: number): void => {
      if (done) return;
      done = true;
      this.open.delete(seq);
      line.duration_us = duration_us ?? Math.round((performance.now() - t0) * 1000);
      if (result && Object.keys(result).length > 0) line.result = result;
      this.write(line);
    };
    this.open.set(seq, () => finish({ error: { message: "the session ended before the response completed" } }));
    return { seq, finish };
  }

  /** Records a request and its result at once. Returns its seq. */
  record(decided: DecidedRequest, result?: RecordedResult, duration_us?: number): number {
    const pending = this.request(decided);
    pending.finish(result, duration_us);
    return pending.seq;
  }

  /**
   * Records a terminal stream event: bytes typed or shown (`input`, `output`, `error`), or a window
   * size (`resize`, with `size`). Secrets the recorder knows are scrubbed from the bytes first, even
   * when they are not UTF-8 and are stored as base64.
   */
  terminal(event: TerminalLine["event"], bytes: Buffer | { cols: number; rows: number }, requestSeq?: number): void {
    if (this.writer.failure) throw this.writer.failure;
    if (this.ended) throw new RecordingError("RECORDING_FAILED", `the recording of session ${this.sessionId} has ended`);
    const line: TerminalLine = { type: "terminal", offset_ms: Math.max(0, Date.now() - this.startedAt), event };
    if (Buffer.isBuffer(bytes)) Object.assign(line, terminalData(bytes, this.options.secrets ?? []));
    else Object.assign(line, { cols: bytes.cols, rows: bytes.rows });
    if (requestSeq !== undefined) line.request_seq = requestSeq;
    this.write(line);
  }

  /** Writes any unfinished requests and the `end` line, then closes the file. */
  async end(reason?: string): Promise<void> {
    if (this.ended) return;
    for (const finish of [...this.open.values()]) finish();
    this.ended = true;
    const line: RecordingLine = { type: "end", at: new Date().toISOString() };
    if (reason !== undefined) line.reason = reason;
    this.write(line);
    await this.writer.close();
  }

  private write(line: RecordingLine): void {
    // Serialized once: the redaction guard's quick look (field names as names, values in the JSON that
    // is then written, as the audit log looks) and only a line that may hold a secret is copied and scrubbed.
    let clean = line;
    let json = JSON.stringify(line);
    if (hasSecretName(line) || mayHoldSecretValue(json, this.secrets)) {
      clean = redact(line, this.options).value;
      json = JSON.stringify(clean);
    }
    const problem = check("recording.json", clean);
    if (problem) throw new RecordingError("RECORDING_INVALID_LINE", `recording line (${line.type}) is invalid: ${problem}`);
    this.writer.write(clean, json);
  }
}
