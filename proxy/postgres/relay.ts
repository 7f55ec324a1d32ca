import { performance } from "node:perf_hooks";
import type { Socket } from "node:net";
import type { HoldControl } from "../gate/types.js";
import { ClientInbox } from "./client-inbox.js";
import type { PostgresGatewayContext } from "./context.js";
import { gateFunctionCall } from "./function-call.js";
import { describedAlike, resultTypesChanged } from "./described-columns.js";
import type { Pending, Portal, PreparedStatement } from "./pending.js";
import { errorResponse, noticeResponse, type ErrorFields } from "./protocol/backend-messages.js";
import { SQLSTATE } from "./protocol/codes.js";
import { FrameReader, ProtocolError, type Frame } from "./protocol/frame-reader.js";
import { readBind, readExecute, readParse, readQuery, readTargeted } from "./protocol/frontend-messages.js";
import { MessageWriter } from "./protocol/message-writer.js";
import { refuseOverLimit } from "./query-limits.js";
import type { BinaryDecoder, ResolvedMask } from "./row-masker.js";
import { queryAsExtended, rowLimitOf, type RowLimit } from "./row-limit.js";
import { executeMessage, executeRows, startCap, uncappable } from "./row-cap.js";
import { denial, ServerReplies } from "./server-replies.js";
import { SessionState, type Outbox } from "./session-state.js";
import { withDefinitions } from "./sql-definitions.js";
import type { GateSession } from "./gate-session.js";
import { gateStatement, readStatements, type GatePhase, type GateResult } from "./statement-gate.js";
import { messageOf } from "../../engine/errors.js";

const MAX_UPSTREAM_MESSAGE = 1024 * 1024 * 1024;

/** A statement the gate let through. */
type Allowed = Extract<GateResult, { ok: true }>;

/**
 * The steady state of one PostgreSQL session: client messages are decided and forwarded in order,
 * upstream responses are matched to what asked for them, masked where the decision says so, and
 * written back with backpressure in both directions.
 *
 * Three parts: the session's protocol state (session-state.ts), the server's replies read against it
 * (server-replies.ts), both writing only through an outbox; and this class, which owns the sockets,
 * reads and frames both directions, decides each client request in order, and applies backpressure.
 */
export class Relay {
  private readonly client: Socket;
  private readonly upstream: Socket;
  private readonly context: PostgresGatewayContext;
  private readonly who: GateSession;
  private readonly clientReader: FrameReader;
  private readonly upstreamReader = new FrameReader({ maxLength: MAX_UPSTREAM_MESSAGE });

  private readonly inbox = new ClientInbox((backlogged) => (backlogged ? this.pause("backlog", this.client) : this.resume("backlog", this.client)));
  private pumping = false;
  private readonly state: SessionState;
  private readonly replies: ServerReplies;
  /** The state machine's writes: each to its socket, with backpressure on the other. */
  private readonly out: Outbox = {
    toServer: (bytes) => this.send(this.upstream, bytes, "upstream-drain", this.client),
    toClient: (bytes) => (this.clientBatch ? void this.clientBatch.push(bytes) : this.send(this.client, bytes, "client-drain", this.upstream)),
  };
  /** While a chunk from the server is answered: everything for the client, in order, sent as one buffer. */
  private clientBatch: Buffer[] | undefined;
  private closed = false;
  /**
   * The pump holds its writes to the server (cork) while it works through what the client sent, so a
   * Bind, an Execute decided after it and the Sync after that leave in one write. Released before any
   * wait for the server itself, and when the pump has nothing left to do.
   */
  private serverWritesHeld = false;
  /** The wait for approval of the statement being decided, if any. */
  private hold: AbortController | undefined;
  private readonly pauses = new Set<string>();
  private readonly onClosed: (reason: string) => void;
  /** SQL text waiting for the statements before it to finish upstream (see pump). */
  private settledWaiters: Array<() => void> = [];
  /** A Query under a row limit waiting for the server to have answered everything sent before it. */
  private idleWaiters: Array<() => void> = [];

  constructor(options: {
    client: Socket;
    upstream: Socket;
    context: PostgresGatewayContext;
    who: GateSession;
    clientReader: FrameReader;
    status: string;
    decode: BinaryDecoder;
    onClosed: (reason: string) => void;
  }) {
    this.client = options.client;
    this.upstream = options.upstream;
    this.context = options.context;
    this.who = options.who;
    this.clientReader = options.clientReader;
    this.onClosed = options.onClosed;
    this.state = new SessionState(this.out, options.status);
    this.replies = new ServerReplies({ state: this.state, out: this.out, context: this.context, who: this.who, decode: options.decode, fatal: (error, reason) => this.fail(error, reason) });
  }

  /** Starts relaying; `queued` are client messages that arrived with the password. */
  start(queued: Frame[]): void {
    this.client.on("data", (chunk: Buffer) => this.fromClient(chunk));
    this.client.on("close", () => this.close("client disconnected"));
    this.client.on("error", () => this.close("client connection failed"));
    this.upstream.on("data", (chunk: Buffer) => this.fromUpstream(chunk));
    this.upstream.on("close", () => this.upstreamClosed());
    this.upstream.on("error", () => undefined);
    this.client.on("drain", () => this.resume("client-drain", this.upstream));
    this.upstream.on("drain", () => this.resume("upstream-drain", this.client));
    // Either side may have gone while the gateway logged in upstream: its "close" has already fired.
    if (this.client.destroyed) return this.close("client disconnected");
    if (this.upstream.destroyed) return this.upstreamClosed();
    this.inbox.push(queued);
    void this.pump();
  }

  /** The target closed the connection: after its own FATAL the client has its reason, and gets no second one. */
  private upstreamClosed(): void {
    if (this.state.serverEnded) return this.close("the target ended the session");
    this.fail({ severity: "FATAL", code: SQLSTATE.connectionFailure, message: "Portcullis: the target closed the connection" }, "target disconnected");
  }

  // ---- client → upstream -------------------------------------------------------------------

  private fromClient(chunk: Buffer): void {
    try {
      this.inbox.push(this.clientReader.push(chunk));
    } catch (error) {
      this.protocolViolation(error);
      return;
    }
    // Messages a client sends together (Bind, Describe, Execute, Sync) go upstream in one write; the
    // pump runs synchronously up to its first decision, so everything forwarded before it is batched.
    this.upstream.cork();
    void this.pump();
    this.upstream.uncork();
  }

  /** Handles client messages strictly in order; a decision may wait on the audit log or the catalog. */
  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (!this.closed && this.inbox.length > 0) {
        this.holdServerWrites();
        const frame = this.inbox.shift();
        // The server reads SQL text with the settings the statements before it leave (client_encoding
        // above all): text pipelined behind a running statement waits until it has run.
        if ((frame.type === "Q" || frame.type === "P" || frame.type === "F") && this.state.running()) {
          // Before a Sync the server holds its answers back: Flush asks for them (and has no reply).
          this.out.toServer(new MessageWriter(0).finish("H"));
          this.releaseServerWrites();
          await new Promise<void>((resolve) => this.settledWaiters.push(resolve));
          if (this.closed) break;
        }
        const work = this.handleClient(frame);
        if (work) await work;
      }
    } catch (error) {
      if (error instanceof ProtocolError) this.protocolViolation(error);
      else this.fail({ severity: "FATAL", code: SQLSTATE.internalError, message: "Portcullis: internal error" }, `internal error: ${String(error)}`);
    } finally {
      this.pumping = false;
      this.releaseServerWrites();
    }
  }

  private holdServerWrites(): void {
    if (this.serverWritesHeld) return;
    this.serverWritesHeld = true;
    this.upstream.cork();
  }

  /** Sends what the pump held; before any wait for the server's answer, which would otherwise never come. */
  private releaseServerWrites(): void {
    if (!this.serverWritesHeld) return;
    this.serverWritesHeld = false;
    this.upstream.uncork();
  }

  /** Returns a promise only when the message needs an asynchronous decision. */
  private handleClient(frame: Frame): Promise<void> | undefined {
    if (this.state.discarding && frame.type !== "S" && frame.type !== "X") return undefined;
    switch (frame.type) {
      case "Q":
        return this.query(readQuery(frame.body), frame);
      case "P":
        return this.parse(frame);
      case "B": {
        const bind = readBind(frame.body);
        const statement = this.state.statements.get(bind.statement);
        // A statement prepared with SQL PREPARE shares the server's names but was never decided here
        // with its result columns: binding it through the protocol would skip its masks.
        if (!statement) {
          // Followed exactly, a name unknown here is unknown to the server too: answered as it would be.
          if (!this.state.definitions.hasPrepared(bind.statement)) return this.state.discard({ code: "26000", message: `prepared statement "${bind.statement}" does not exist` });
          return this.state.discard(denial(`prepared statement "${bind.statement}" was not prepared with a Parse message in this session`));
        }
        const portal: Portal = { statement, formats: bind.resultFormats, cycle: this.state.cycle };
        this.state.portals.set(bind.portal, portal);
        this.state.forward(frame, { kind: "bind", name: bind.portal, portal });
        return undefined;
      }
      case "D": {
        const target = readTargeted(frame.body);
        if (target.kind === "S") {
          const statement = this.state.statements.get(target.name) ?? { sql: "", masks: [], ddl: false };
          statement.describedWith = statement.masks;
          this.state.forward(frame, { kind: "describe-statement", statement, hidden: false, masks: statement.masks });
          return undefined;
        }
        const portal = this.state.portals.get(target.name);
        if (portal && portal.statement.decidedForCycle !== this.state.cycle && (portal.cycle ?? 0) >= this.state.idleThrough) return this.describePortal(frame, portal);
        const described = portal ?? { statement: { sql: "", masks: [], ddl: false }, formats: [] };
        described.statement.describedWith = described.statement.masks;
        this.state.forward(frame, { kind: "describe-portal", portal: described, masks: described.statement.masks });
        return undefined;
      }
      case "E": {
        const { portal: name } = readExecute(frame.body);
        const portal = this.state.portals.get(name);
        // A SQL cursor (DECLARE, or a function's refcursor) is a portal too: only portals bound here, in a
        // transaction still open, have known masks.
        if (!portal && !this.state.definitions.hasCursor(name)) {
          return this.state.discard({ code: "34000", message: `portal "${name}" does not exist`, detail: "Portcullis knows no portal or cursor of that name in this session" });
        }
        if (!portal || (portal.cycle ?? 0) < this.state.idleThrough) return this.state.discard(denial(`portal "${name}" was not bound with a Bind message in this transaction`));
        return this.execute(frame, portal, readExecute(frame.body).maxRows);
      }
      case "C": {
        const target = readTargeted(frame.body);
        if (target.kind === "S") this.state.statements.delete(target.name);
        else this.state.portals.delete(target.name);
        this.state.forward(frame, { kind: "close" });
        return undefined;
      }
      case "S":
        this.state.discarding = false;
        this.state.forward(frame, { kind: "sync" });
        return undefined;
      case "H":
      case "d":
      case "c":
      case "f":
        this.state.forward(frame, undefined);
        return undefined;
      case "F":
        return this.functionCall(frame);
      case "X":
        this.upstream.end(frame.raw);
        this.close("client terminated");
        return undefined;
      default:
        throw new ProtocolError(`unexpected message ${JSON.stringify(frame.type)} after authentication`);
    }
  }

  /** A statement held for approval: the client hears why it waits, and its cancel (or leaving) ends the wait. */
  private holdControl(): HoldControl {
    const abort = new AbortController();
    this.hold = abort;
    return {
      signal: abort.signal,
      notify: (message) => {
        if (!this.closed) this.client.write(noticeResponse(message));
      },
    };
  }

  /** A client's CancelRequest: ends a wait for approval; false when there is none (cancel upstream instead). */
  /** Whether a statement is running or waiting for approval (an idle-session timeout must not end it). */
  /** The server last said a transaction block is open (ReadyForQuery "T" or "E"). */
  get inTransaction(): boolean {
    return this.state.inTransaction;
  }

  get busy(): boolean {
    return this.state.running() || this.hold !== undefined;
  }

  cancelHold(): boolean {
    const hold = this.hold;
    if (!hold || hold.signal.aborted) return false;
    hold.abort();
    return true;
  }

  private async query(sql: string, frame: Frame): Promise<void> {
    // EXECUTE and FETCH run what was prepared or declared earlier: that is decided with them, each time.
    const overLimit = await refuseOverLimit(this.context, this.who, sql);
    if (overLimit) return this.state.refuse(overLimit);
    let text = sql;
    let definitions = 0;
    if (/execute|fetch|move/i.test(sql)) {
      const used = this.state.definitions.usedBy((await readStatements(this.who, sql)).statements, (name) => this.state.statements.get(name)?.sql);
      if ("unknown" in used) return this.state.refuse(denial(`${used.unknown} was not prepared in this session through Portcullis`));
      text = withDefinitions(used.texts, sql);
      definitions = used.texts.length;
    }
    const gate = await gateStatement(this.context, this.who, text, () => this.holdControl());
    // The wait (if any) is over: a later cancel is for the server again.
    this.hold = undefined;
    if (this.closed) return;
    if (!gate.ok) return this.state.refuse(gate.error);
    if (gate.sensitive) this.state.withhold = true;
    const statements = gate.statements.slice(definitions);
    const entry: Pending = { kind: "query", requestId: gate.requestId, masks: gate.masks, ddl: gate.ddl, plan: [], rows: 0, started: performance.now(), statements, completedStatements: 0 };
    const limit = rowLimitOf(gate.verdict, statements);
    if (limit.kind === "refuse") return this.state.refuse(limit.error);
    const rows = gate.rows;
    if (rows) {
      const error = uncappable(statements);
      if (error) return this.state.refuse(error);
    }
    if ((limit.kind === "none" && !rows) || statements.length === 0) return this.state.forward(frame, entry);
    // The gateway's own cycle must not join one the client left open: wait until the server has
    // answered everything. After an error there it skips to the next Sync, this Query included.
    if (this.state.pending.length > 0) {
      this.out.toServer(new MessageWriter(0).finish("H"));
      this.releaseServerWrites();
      await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
      if (this.closed) return;
    }
    if (this.state.skippingToSync) return this.state.forward(frame, entry);
    // Run as an extended cycle, one statement at a time, that the gateway ends once it has read the
    // server's row counts: a COMMIT later in the same Query must not run before the count is known,
    // and a statement whose rows are capped is asked for one row more than its cap (row-cap.ts).
    const texts = statements.map((s) => s.text);
    const cap = rows ? startCap(rows) : undefined;
    const counted = limit.kind === "limit" ? limit.counted : statements.map(() => false);
    const settled = new Promise<void>((settle) => (entry.limit = { max: limit.kind === "limit" ? limit.max : Infinity, ...(cap ? { rows: cap } : {}), settle, synced: false, texts, counted, index: 0 }));
    this.out.toServer(queryAsExtended(texts[0]!, cap ? executeRows(cap) : 0));
    this.state.expect(entry);
    this.releaseServerWrites();
    await settled;
  }

  /** A function called by OID: decided as its SQL form (see function-call.ts), then the server runs the message itself. */
  private async functionCall(frame: Frame): Promise<void> {
    const gate = await gateFunctionCall(this.context, this.who, frame.body, () => this.holdControl());
    this.hold = undefined;
    if (this.closed) return;
    if (!gate.ok) return this.state.refuse(gate.error);
    if (gate.sensitive) this.state.withhold = true;
    this.state.forward(frame, { kind: "query", requestId: gate.requestId, masks: [], ddl: false, plan: [], rows: 0, started: performance.now(), statements: [], completedStatements: 0 });
  }

  /** Every execution is decided on the statement it runs, audited, and consumes an approval of its own. */
  private async execute(frame: Frame, portal: Portal, maxRows: number): Promise<void> {
    const statement = portal.statement;
    let masks: ResolvedMask[] = statement.masks;
    let limit: RowLimit = statement.rowLimit ?? { kind: "none" };
    let rows = statement.rows;
    let requestId = statement.requestId;
    if (statement.decidedForCycle !== this.state.cycle) {
      const gate = await this.decideInCycle(statement.sql);
      if (!gate) return;
      masks = gate.masks;
      requestId = gate.requestId;
      limit = rowLimitOf(gate.verdict, gate.statements);
      rows = gate.rows;
      // Rows can only be masked by columns the server described when the statement was prepared.
      if (masks.length > 0 && !statement.fields && statement.masks.length === 0) {
        return this.state.discard(denial("the policy now masks columns of this prepared statement: prepare it again"));
      }
    }
    // The client reads the rows by the columns it was last told of.
    if (statement.describedWith && !describedAlike(statement.fields, statement.describedWith, masks)) return this.state.discard(resultTypesChanged());
    statement.decidedForCycle = undefined;
    const entry: Pending = { kind: "execute", portal, requestId, masks, rows: 0, started: performance.now() };
    if (limit.kind === "refuse") return this.state.discard(limit.error);
    if (limit.kind === "none" && !rows) return this.state.forward(frame, entry);
    // A partial Execute leaves the change's count until the last one, past the point it could be undone.
    if (limit.kind === "limit" && maxRows > 0) return this.state.discard(denial(`the policy limits the rows you may change, so a change must be executed whole (Execute with no row limit)`));
    // Under a row cap the server is asked for one row more than the cap (or the client's own count,
    // when that is within it): the rows of a portal fetched in parts count together.
    const cap = rows ? startCap(rows, portal.sent ?? 0) : undefined;
    const sent = cap ? { ...frame, raw: executeMessage(readExecute(frame.body).portal, maxRows > 0 && maxRows <= cap.max ? maxRows : executeRows(cap)) } : frame;
    const settled = new Promise<void>((settle) => (entry.limit = { max: limit.kind === "limit" ? limit.max : Infinity, ...(cap ? { rows: cap } : {}), settle, synced: true, texts: [], counted: [limit.kind === "limit"], index: 0 }));
    this.state.forward(sent, entry);
    // The count arrives before the Sync only if the server is asked for its answers now.
    this.out.toServer(new MessageWriter(0).finish("H"));
    this.releaseServerWrites();
    await settled;
  }

  /**
   * A Describe of a portal whose statement has no decision for this cycle is decided now, as its Execute
   * would be, and that Execute then stands on this decision: the columns the client is told of are
   * masked as the rows that follow them will be, whatever the policy decided when the statement was
   * prepared (libpq and node-postgres describe the portal before every execution).
   */
  private async describePortal(frame: Frame, portal: Portal): Promise<void> {
    const statement = portal.statement;
    const gate = await this.decideInCycle(statement.sql);
    if (!gate) return;
    statement.masks = gate.masks;
    this.standsForNextExecution(statement, gate);
    statement.describedWith = gate.masks;
    this.state.forward(frame, { kind: "describe-portal", portal, masks: gate.masks });
  }

  /**
   * Decides a statement of an extended-protocol cycle (a Parse, a Describe or an Execute). A refusal, or a
   * row cap on a statement that cannot be capped, fails the cycle as a server error would; a caller with
   * masked columns has the server's error messages withheld from then on. Undefined when the cycle was
   * failed or the session has closed meanwhile.
   */
  private async decideInCycle(sql: string, phase?: GatePhase): Promise<Allowed | undefined> {
    const gate = await gateStatement(this.context, this.who, sql, () => this.holdControl(), phase);
    // The wait (if any) is over: a later cancel is for the server again.
    this.hold = undefined;
    if (this.closed) return undefined;
    if (!gate.ok) return this.state.discard(gate.error);
    if (gate.sensitive) this.state.withhold = true;
    const uncapped = gate.rows ? uncappable(gate.statements) : undefined;
    if (uncapped) return this.state.discard(uncapped);
    return gate;
  }

  /** The statement's next Execute in this cycle runs on `gate`'s decision instead of deciding again. */
  private standsForNextExecution(statement: PreparedStatement, gate: Allowed): void {
    statement.decidedForCycle = this.state.cycle;
    statement.requestId = gate.requestId;
    statement.rowLimit = rowLimitOf(gate.verdict, gate.statements);
    if (gate.rows) statement.rows = gate.rows;
    else delete statement.rows;
  }

  private async parse(frame: Frame): Promise<void> {
    const message = readParse(frame.body);
    // The server keeps the first statement of a name and rejects the second: so must the gateway, or
    // its masks would be the new statement's while the server runs the old one.
    if (message.name !== "" && this.state.statements.has(message.name)) {
      this.state.discard({ code: "42P05", message: `prepared statement "${message.name}" already exists` });
      return;
    }
    const overLimit = await refuseOverLimit(this.context, this.who, message.text);
    if (overLimit) return void this.state.discard(overLimit);
    const gate = await this.decideInCycle(message.text, "prepare");
    if (!gate) return;
    const statement: PreparedStatement = { sql: message.text, masks: gate.masks, ddl: gate.ddl };
    if (gate.verdict.effect !== "approval") this.standsForNextExecution(statement, gate);
    this.state.statements.set(message.name, statement);
    this.state.forward(frame, { kind: "parse", name: message.name, statement });
    // Masking needs the statement's result columns even when the client never asks for them.
    if (gate.masks.length > 0) {
      const describe = new MessageWriter().byte(0x53).cstring(message.name).finish("D");
      this.out.toServer(describe);
      this.state.expect({ kind: "describe-statement", statement, hidden: true, masks: gate.masks });
    }
  }

  // ---- upstream → client -------------------------------------------------------------------

  private fromUpstream(chunk: Buffer): void {
    let frames: Frame[];
    try {
      frames = this.upstreamReader.push(chunk);
    } catch {
      this.fail({ severity: "FATAL", code: SQLSTATE.connectionFailure, message: "Portcullis: the target sent an invalid message" }, "invalid upstream message");
      return;
    }
    // One write per chunk: a result of many rows is many small messages, and a write call per message
    // costs more than copying them into one buffer.
    const batch: Buffer[] = [];
    this.clientBatch = batch;
    try {
      let unchanged = true;
      for (const frame of frames) {
        const out = this.replies.reply(frame);
        if (out) batch.push(out);
        if (out !== frame.raw) unchanged = false;
      }
      // Every message of the chunk goes out as it came, and the chunk held exactly them: it is sent as
      // it is, not copied together again.
      if (unchanged && batch.length > 0 && wholeChunk(chunk, batch)) batch.splice(0, batch.length, chunk);
    } catch (error) {
      this.fail({ severity: "FATAL", code: SQLSTATE.internalError, message: "Portcullis: could not process the target's response" }, `upstream processing failed: ${String(error)}`);
    } finally {
      this.flushClientBatch();
      this.clientBatch = undefined;
    }
    if (this.settledWaiters.length > 0 && !this.state.running()) this.wakeSettled();
    if (this.idleWaiters.length > 0 && this.state.pending.length === 0) this.wakeIdle();
  }

  private wakeIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const wake of waiters) wake();
  }

  private wakeSettled(): void {
    const waiters = this.settledWaiters;
    this.settledWaiters = [];
    for (const wake of waiters) wake();
  }

  // ---- flow control and teardown -----------------------------------------------------------

  private send(to: Socket, bytes: Buffer, drainReason: string, source: Socket): void {
    if (this.closed) return;
    if (!to.write(bytes)) this.pause(drainReason, source);
  }

  /** Sends what the current chunk's answers gathered (before anything written after them). */
  private flushClientBatch(): void {
    const batch = this.clientBatch;
    if (!batch || batch.length === 0) return;
    const bytes = batch.length === 1 ? batch[0]! : Buffer.concat(batch);
    batch.length = 0;
    this.send(this.client, bytes, "client-drain", this.upstream);
  }

  private pause(reason: string, socket: Socket): void {
    this.pauses.add(`${reason}:${socket === this.client ? "c" : "u"}`);
    socket.pause();
  }

  private resume(reason: string, socket: Socket): void {
    const side = socket === this.client ? "c" : "u";
    this.pauses.delete(`${reason}:${side}`);
    for (const key of this.pauses) if (key.endsWith(`:${side}`)) return;
    if (!this.closed) socket.resume();
  }

  private protocolViolation(error: unknown): void {
    const message = messageOf(error);
    this.fail({ severity: "FATAL", code: SQLSTATE.protocolViolation, message: `Portcullis: invalid frontend message: ${message}` }, `protocol violation: ${message}`);
  }

  /** Ends the session with a last error for the client (one connection, never the gateway). */
  fail(error: ErrorFields, reason: string): void {
    if (this.closed) return;
    this.flushClientBatch();
    if (!this.client.destroyed) this.client.end(errorResponse(error));
    this.close(reason);
  }

  close(reason: string): void {
    if (this.closed) return;
    // What the server's last chunk answered still goes out before the end (the server's own FATAL).
    this.flushClientBatch();
    this.closed = true;
    this.hold?.abort();
    this.wakeIdle();
    for (const entry of this.state.pending) if ((entry.kind === "query" || entry.kind === "execute") && entry.limit) entry.limit.settle();
    this.wakeSettled();
    this.upstream.destroy();
    if (!this.client.destroyed) this.client.end();
    setTimeout(() => this.client.destroy(), 1000).unref();
    this.onClosed(reason);
  }
}

/** True when `parts` are, in order and back to back, every byte of `chunk` (views of its memory). */
function wholeChunk(chunk: Buffer, parts: readonly Buffer[]): boolean {
  let offset = chunk.byteOffset;
  for (const part of parts) {
    if (part.buffer !== chunk.buffer || part.byteOffset !== offset) return false;
    offset += part.length;
  }
  return offset === chunk.byteOffset + chunk.length;
}
