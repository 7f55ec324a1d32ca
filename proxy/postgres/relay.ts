import { performance } from "node:perf_hooks";
import type { Socket } from "node:net";
import type { PostgresGatewayContext } from "./context.js";
import { isExtended, type Pending, type Portal, type PreparedStatement } from "./pending.js";
import {
  errorResponse,
  noticeResponse,
  readCommandTag,
  readErrorFields,
  readRowDescription,
  rowDescription,
  type ErrorFields,
} from "./protocol/backend-messages.js";
import { SQLSTATE } from "./protocol/codes.js";
import { FrameReader, ProtocolError, type Frame } from "./protocol/frame-reader.js";
import { readBind, readExecute, readParse, readQuery, readTargeted, resultFormatAt } from "./protocol/frontend-messages.js";
import { describeMasked, maskRow, planColumns, type BinaryDecoder } from "./row-masker.js";
import { gateStatement, preview, type GateSession } from "./statement-gate.js";
import { gateFunctionCall } from "./function-call.js";
import { SqlDefinitions, withDefinitions } from "./sql-definitions.js";
import type { ResolvedMask } from "./row-masker.js";
import type { HoldControl } from "./approval-hold.js";
import { withholdValues } from "./error-withholding.js";
import { unreadableClientEncoding } from "./client-encoding.js";
import { MessageWriter } from "./protocol/message-writer.js";
import { affectedRows, overLimit, queryAsExtended, rowLimitOf, type RowLimit } from "./row-limit.js";
import type { LimitWatch } from "./pending.js";
import { refuseOverLimit } from "./query-limits.js";

const MAX_UPSTREAM_MESSAGE = 1024 * 1024 * 1024;

/**
 * The steady state of one PostgreSQL session: client messages are decided and forwarded in order,
 * upstream responses are matched to what asked for them, masked where the decision says so, and
 * written back with backpressure in both directions.
 */
export class Relay {
  private readonly client: Socket;
  private readonly upstream: Socket;
  private readonly context: PostgresGatewayContext;
  private readonly who: GateSession;
  private readonly clientReader: FrameReader;
  private readonly upstreamReader = new FrameReader({ maxLength: MAX_UPSTREAM_MESSAGE });
  private readonly decode: BinaryDecoder;

  private readonly inbox: Frame[] = [];
  private pumping = false;
  private readonly pending: Pending[] = [];
  private readonly statements = new Map<string, PreparedStatement>();
  private readonly portals = new Map<string, Portal>();
  /** SQL PREPARE and DECLARE of this session: what a later EXECUTE or FETCH runs. */
  private readonly definitions = new SqlDefinitions();
  /** After a refused extended-protocol message, everything up to Sync is discarded, as a server does. */
  private discarding = false;
  /** The server sent a FATAL error: its closing the connection is expected, and it has said why. */
  private serverEnded = false;
  private status = "I";
  /** Set once a decision says the caller has masked columns: the server's runtime messages are withheld. */
  private withhold = false;
  private closed = false;
  /** The wait for approval of the statement being decided, if any. */
  private hold: AbortController | undefined;
  private readonly pauses = new Set<string>();
  private readonly onClosed: (reason: string) => void;
  /**
   * Portal lifetimes. The server drops every portal when a transaction ends, and a SQL cursor or a
   * function's refcursor may then take the same name: an Execute of it must not inherit the masks of
   * a portal bound earlier. `cycle` counts requests that end with ReadyForQuery (Query, Sync) sent
   * upstream; portals bound before cycle `idleThrough` died when the server reported it was idle.
   */
  private cycle = 0;
  private completed = 0;
  private idleThrough = 0;
  /** The server reported an extended-protocol error and no Sync has been sent since: it answers nothing until one is. */
  private skippingToSync = false;
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
    this.status = options.status;
    this.decode = options.decode;
    this.onClosed = options.onClosed;
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
    this.inbox.push(...queued);
    void this.pump();
  }

  /** The target closed the connection: after its own FATAL the client has its reason, and gets no second one. */
  private upstreamClosed(): void {
    if (this.serverEnded) return this.close("the target ended the session");
    this.fail({ severity: "FATAL", code: SQLSTATE.connectionFailure, message: "Portcullis: the target closed the connection" }, "target disconnected");
  }

  // ---- client → upstream -------------------------------------------------------------------

  private fromClient(chunk: Buffer): void {
    try {
      this.inbox.push(...this.clientReader.push(chunk));
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
        const frame = this.inbox.shift()!;
        // The server reads SQL text with the settings the statements before it leave (client_encoding
        // above all): text pipelined behind a running statement waits until it has run.
        if ((frame.type === "Q" || frame.type === "P" || frame.type === "F") && this.running()) {
          // Before a Sync the server holds its answers back: Flush asks for them (and has no reply).
          this.send(this.upstream, new MessageWriter(0).finish("H"), "upstream-drain", this.client);
          this.pause("decision", this.client);
          await new Promise<void>((resolve) => this.settledWaiters.push(resolve));
          this.resume("decision", this.client);
          if (this.closed) break;
        }
        const work = this.handleClient(frame);
        if (work) {
          this.pause("decision", this.client);
          await work;
          this.resume("decision", this.client);
        }
      }
    } catch (error) {
      if (error instanceof ProtocolError) this.protocolViolation(error);
      else this.fail({ severity: "FATAL", code: SQLSTATE.internalError, message: "Portcullis: internal error" }, `internal error: ${String(error)}`);
    } finally {
      this.pumping = false;
    }
  }

  /** Returns a promise only when the message needs an asynchronous decision. */
  private handleClient(frame: Frame): Promise<void> | undefined {
    if (this.discarding && frame.type !== "S" && frame.type !== "X") return undefined;
    switch (frame.type) {
      case "Q":
        return this.query(readQuery(frame.body), frame);
      case "P":
        return this.parse(frame);
      case "B": {
        const bind = readBind(frame.body);
        const statement = this.statements.get(bind.statement);
        // A statement prepared with SQL PREPARE shares the server's names but was never decided here
        // with its result columns: binding it through the protocol would skip its masks.
        if (!statement) {
          // Followed exactly, a name unknown here is unknown to the server too: answered as it would be.
          if (!this.definitions.hasPrepared(bind.statement)) return this.discard({ code: "26000", message: `prepared statement "${bind.statement}" does not exist` });
          return this.discard(denial(`prepared statement "${bind.statement}" was not prepared with a Parse message in this session`));
        }
        const portal: Portal = { statement, formats: bind.resultFormats, cycle: this.cycle };
        this.portals.set(bind.portal, portal);
        this.forward(frame, { kind: "bind", name: bind.portal, portal });
        return undefined;
      }
      case "D": {
        const target = readTargeted(frame.body);
        if (target.kind === "S") {
          const statement = this.statements.get(target.name) ?? { sql: "", masks: [], ddl: false };
          this.forward(frame, { kind: "describe-statement", statement, hidden: false });
        } else {
          const portal = this.portals.get(target.name) ?? { statement: { sql: "", masks: [], ddl: false }, formats: [] };
          this.forward(frame, { kind: "describe-portal", portal });
        }
        return undefined;
      }
      case "E": {
        const { portal: name } = readExecute(frame.body);
        const portal = this.portals.get(name);
        // A SQL cursor (DECLARE, or a function's refcursor) is a portal too: only portals bound here, in a
        // transaction still open, have known masks.
        if (!portal && !this.definitions.hasCursor(name)) {
          return this.discard({ code: "34000", message: `portal "${name}" does not exist`, detail: "Portcullis knows no portal or cursor of that name in this session" });
        }
        if (!portal || (portal.cycle ?? 0) < this.idleThrough) return this.discard(denial(`portal "${name}" was not bound with a Bind message in this transaction`));
        return this.execute(frame, portal, readExecute(frame.body).maxRows);
      }
      case "C": {
        const target = readTargeted(frame.body);
        if (target.kind === "S") this.statements.delete(target.name);
        else this.portals.delete(target.name);
        this.forward(frame, { kind: "close" });
        return undefined;
      }
      case "S":
        this.discarding = false;
        this.forward(frame, { kind: "sync" });
        return undefined;
      case "H":
      case "d":
      case "c":
      case "f":
        this.forward(frame, undefined);
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
    return this.status === "T" || this.status === "E";
  }

  get busy(): boolean {
    return this.running() || this.hold !== undefined;
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
    if (overLimit) return this.refuse(overLimit);
    let text = sql;
    let definitions = 0;
    if (/execute|fetch|move/i.test(sql)) {
      const used = this.definitions.usedBy((await preview(this.context, this.who, sql)).action.statements, (name) => this.statements.get(name)?.sql);
      if ("unknown" in used) return this.refuse(denial(`${used.unknown} was not prepared in this session through Portcullis`));
      text = withDefinitions(used.texts, sql);
      definitions = used.texts.length;
    }
    const gate = await gateStatement(this.context, this.who, text, () => this.holdControl());
    // The wait (if any) is over: a later cancel is for the server again.
    this.hold = undefined;
    if (this.closed) return;
    if (!gate.ok) return this.refuse(gate.error);
    if (gate.sensitive) this.withhold = true;
    const statements = gate.verdict.action.statements.slice(definitions);
    const entry: Pending = { kind: "query", sql: text, masks: gate.masks, ddl: gate.ddl, plan: [], rows: 0, started: performance.now(), statements, completedStatements: 0 };
    const limit = rowLimitOf(gate.verdict, statements);
    if (limit.kind === "refuse") return this.refuse(limit.error);
    if (limit.kind === "none") return this.forward(frame, entry);
    // The gateway's own cycle must not join one the client left open: wait until the server has
    // answered everything. After an error there it skips to the next Sync, this Query included.
    if (this.pending.length > 0) {
      this.send(this.upstream, new MessageWriter(0).finish("H"), "upstream-drain", this.client);
      await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
      if (this.closed) return;
    }
    if (this.skippingToSync) return this.forward(frame, entry);
    // Run as an extended cycle, one statement at a time, that the gateway ends once it has read the
    // server's row counts: a COMMIT later in the same Query must not run before the count is known.
    const texts = statements.map((s) => s.text);
    const settled = new Promise<void>((settle) => (entry.limit = { max: limit.max, settle, synced: false, texts, counted: limit.counted, index: 0 }));
    this.send(this.upstream, queryAsExtended(texts[0]!), "upstream-drain", this.client);
    this.expect(entry);
    await settled;
  }

  /** A function called by OID: decided as its SQL form (see function-call.ts), then the server runs the message itself. */
  private async functionCall(frame: Frame): Promise<void> {
    const gate = await gateFunctionCall(this.context, this.who, frame.body, () => this.holdControl());
    this.hold = undefined;
    if (this.closed) return;
    if (!gate.ok) return this.refuse(gate.error);
    if (gate.sensitive) this.withhold = true;
    this.forward(frame, { kind: "query", sql: gate.sql, masks: [], ddl: false, plan: [], rows: 0, started: performance.now(), statements: [], completedStatements: 0 });
  }

  /** Every execution is decided on the statement it runs, audited, and consumes an approval of its own. */
  private async execute(frame: Frame, portal: Portal, maxRows: number): Promise<void> {
    const statement = portal.statement;
    let masks: ResolvedMask[] = statement.masks;
    let limit: RowLimit = statement.rowLimit ?? { kind: "none" };
    if (statement.decidedForCycle !== this.cycle) {
      const gate = await gateStatement(this.context, this.who, statement.sql, () => this.holdControl());
      this.hold = undefined;
      if (this.closed) return;
      if (!gate.ok) return this.discard(gate.error);
      if (gate.sensitive) this.withhold = true;
      masks = gate.masks;
      limit = rowLimitOf(gate.verdict, gate.verdict.action.kind === "sql" ? gate.verdict.action.statements : []);
      // Rows can only be masked by columns the server described when the statement was prepared.
      if (masks.length > 0 && !statement.fields && statement.masks.length === 0) {
        return this.discard(denial("the policy now masks columns of this prepared statement: prepare it again"));
      }
    }
    statement.decidedForCycle = undefined;
    const entry: Pending = { kind: "execute", portal, masks, rows: 0, started: performance.now() };
    if (limit.kind === "refuse") return this.discard(limit.error);
    if (limit.kind === "none") return this.forward(frame, entry);
    // A partial Execute leaves the change's count until the last one, past the point it could be undone.
    if (maxRows > 0) return this.discard(denial(`the policy limits the rows you may change, so a change must be executed whole (Execute with no row limit)`));
    const settled = new Promise<void>((settle) => (entry.limit = { max: limit.max, settle, synced: true, texts: [], counted: [true], index: 0 }));
    this.forward(frame, entry);
    // The count arrives before the Sync only if the server is asked for its answers now.
    this.send(this.upstream, new MessageWriter(0).finish("H"), "upstream-drain", this.client);
    await settled;
  }

  private async parse(frame: Frame): Promise<void> {
    const message = readParse(frame.body);
    // The server keeps the first statement of a name and rejects the second: so must the gateway, or
    // its masks would be the new statement's while the server runs the old one.
    if (message.name !== "" && this.statements.has(message.name)) {
      this.discard({ code: "42P05", message: `prepared statement "${message.name}" already exists` });
      return;
    }
    const overLimit = await refuseOverLimit(this.context, this.who, message.text);
    if (overLimit) return void this.discard(overLimit);
    const gate = await gateStatement(this.context, this.who, message.text, () => this.holdControl(), "prepare");
    this.hold = undefined;
    if (this.closed) return;
    if (!gate.ok) {
      this.discard(gate.error);
      return;
    }
    if (gate.sensitive) this.withhold = true;
    const statement: PreparedStatement = { sql: message.text, masks: gate.masks, ddl: gate.ddl };
    if (gate.verdict.effect !== "approval") {
      statement.decidedForCycle = this.cycle;
      statement.rowLimit = rowLimitOf(gate.verdict, gate.verdict.action.kind === "sql" ? gate.verdict.action.statements : []);
    }
    this.statements.set(message.name, statement);
    this.forward(frame, { kind: "parse", name: message.name, statement });
    // Masking needs the statement's result columns even when the client never asks for them.
    if (gate.masks.length > 0) {
      const describe = new MessageWriter().byte(0x53).cstring(message.name).finish("D");
      this.send(this.upstream, describe, "upstream-drain", this.client);
      this.expect({ kind: "describe-statement", statement, hidden: true });
    }
  }

  /**
   * An extended-protocol message refused here. The server must fail exactly as if the message had
   * failed on it: skip to Sync, roll back the implicit transaction, fail a transaction block. So it is
   * sent a Parse that cannot parse (it defines and runs nothing), and its error is replaced by this one.
   * Everything the client sends until Sync is skipped, as the server would skip it.
   */
  private discard(error: ErrorFields): undefined {
    this.discarding = true;
    const failing = new MessageWriter().cstring("portcullis_refused").cstring(REFUSED_TEXT).int16(0).finish("P");
    this.send(this.upstream, failing, "upstream-drain", this.client);
    this.expect({ kind: "parse", replaceError: error });
    return undefined;
  }

  /**
   * A denied Query or FunctionCall. The server runs a stand-in that fails at parse time, so its
   * transaction ends up exactly as after an error of its own (failed inside a block, rolled back when
   * implicit) and its ReadyForQuery reports that; the client sees this error in place of the stand-in's.
   */
  private refuse(error: ErrorFields): void {
    const failing = new MessageWriter().cstring(REFUSED_TEXT).finish("Q");
    this.send(this.upstream, failing, "upstream-drain", this.client);
    this.expect({ kind: "query", sql: REFUSED_TEXT, masks: [], ddl: false, plan: [], rows: 0, started: performance.now(), statements: [], completedStatements: 0, replaceError: error });
  }

  private forward(frame: Frame, expect: Pending | undefined): void {
    this.send(this.upstream, frame.raw, "upstream-drain", this.client);
    if (expect) this.expect(expect);
  }

  /**
   * Queues the response a forwarded message will get. After an error in an extended-protocol cycle
   * the server skips every message, simple Queries included, up to the next Sync: those get none.
   */
  private expect(entry: Pending): void {
    if (entry.kind === "sync") this.skippingToSync = false;
    else if (this.skippingToSync) {
      // The server skips it: a Parse or Bind sent now defines nothing there.
      this.forgetFailed(entry);
      return;
    }
    this.pending.push(entry);
    if (entry.kind === "query" || entry.kind === "sync") this.cycle += 1;
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
    this.client.cork();
    try {
      for (const frame of frames) {
        const out = this.handleUpstream(frame);
        if (out) this.send(this.client, out, "client-drain", this.upstream);
      }
    } catch (error) {
      this.fail({ severity: "FATAL", code: SQLSTATE.internalError, message: "Portcullis: could not process the target's response" }, `upstream processing failed: ${String(error)}`);
    } finally {
      this.client.uncork();
    }
    if (this.settledWaiters.length > 0 && !this.running()) this.wakeSettled();
    if (this.idleWaiters.length > 0 && this.pending.length === 0) this.wakeIdle();
  }

  private wakeIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const wake of waiters) wake();
  }

  /** A statement is still running upstream: a Query, an Execute, or a cycle awaiting its ReadyForQuery. */
  private running(): boolean {
    return this.pending.some((p) => p.kind === "query" || p.kind === "sync" || p.kind === "execute");
  }

  private wakeSettled(): void {
    const waiters = this.settledWaiters;
    this.settledWaiters = [];
    for (const wake of waiters) wake();
  }

  /** What to write to the client for one upstream message (undefined: nothing). */
  private handleUpstream(frame: Frame): Buffer | undefined {
    const head = this.pending[0];
    switch (frame.type) {
      case "1":
      case "2":
        // The gateway's own extended cycle for a Query under a row limit: the client sent a Query.
        if (head?.kind === "query" && head.limit) return undefined;
        this.pending.shift();
        return frame.raw;
      case "3":
        this.pending.shift();
        return frame.raw;
      case "t":
        return head?.kind === "describe-statement" && head.hidden ? undefined : frame.raw;
      case "n":
        if (head?.kind === "query" && head.limit) return undefined;
        if (head?.kind === "describe-statement" || head?.kind === "describe-portal") {
          this.pending.shift();
          if (head.kind === "describe-statement" && head.hidden) return undefined;
        }
        return frame.raw;
      case "T":
        return this.rowDescription(frame, head);
      case "D":
        return this.dataRow(frame, head);
      case "C":
        if ((head?.kind === "query" || head?.kind === "execute") && head.limit) return this.limitedComplete(frame, head, head.limit);
        this.complete(frame, head);
        return frame.raw;
      case "I":
      case "s":
        this.complete(frame, head);
        return frame.raw;
      case "E": {
        const fields = readErrorFields(frame.body);
        if ((fields.V ?? fields.S) === "FATAL") this.serverEnded = true;
        this.definitions.failed();
        // A stand-in the gateway had fail for a refused request: the client gets the refusal.
        const replaced = head && (head.kind === "query" || head.kind === "parse") && head.replaceError ? errorResponse(head.replaceError) : undefined;
        // After an error the server skips the rest of the extended cycle up to Sync: what it skipped
        // (or failed) defined nothing on it, so the gateway forgets it too.
        if ((head?.kind === "query" || head?.kind === "execute") && head.limit) this.endLimited(head.limit);
        if (head && isExtended(head)) {
          while (this.pending[0] && this.pending[0].kind !== "sync") this.forgetFailed(this.pending.shift()!);
          if (this.pending.length === 0) this.skippingToSync = true;
        }
        return replaced ?? ((this.withhold && withholdValues("E", frame.body)) || frame.raw);
      }
      case "N":
        return (this.withhold && withholdValues("N", frame.body)) || frame.raw;
      case "S": {
        // However it was changed (SET under an alias, pg_settings, a function calling set_config), the
        // next statement would be read by the server differently from how it was decided.
        const encoding = unreadableClientEncoding(frame.body);
        if (encoding) {
          this.fail({ severity: "FATAL", code: SQLSTATE.featureNotSupported, message: `Portcullis: client encoding ${encoding} is not supported: the gateway reads SQL as UTF-8` }, `client encoding ${encoding}`);
          return undefined;
        }
        return frame.raw;
      }
      case "Z":
        return this.readyForQuery(frame);
      case "V":
        // A function call's one value: its result, recorded as a statement's would be.
        if (head?.kind === "query") this.result(head.sql, frame, 1, [], head.started);
        return frame.raw;
      default:
        return frame.raw;
    }
  }

  /**
   * The CommandComplete of a statement run under a row limit. Within the limit it stands. Over it, the
   * server is made to fail a stand-in before anything commits, so the change is undone exactly as if
   * the statement had failed there; the client gets the reason in place of the command tag.
   */
  private limitedComplete(frame: Frame, head: Pending & { kind: "query" | "execute" }, limit: LimitWatch): Buffer | undefined {
    const tag = readCommandTag(frame.body);
    const counted = limit.counted[limit.index++] ?? false;
    const count = affectedRows(tag);
    if (!counted || (count !== undefined && count <= limit.max)) {
      this.complete(frame, head);
      // The next statement of the Query runs only now that this one's count is known.
      const next = limit.texts[limit.index];
      if (head.kind === "query" && next !== undefined) this.send(this.upstream, queryAsExtended(next), "upstream-drain", this.client);
      else this.endLimited(limit);
      return frame.raw;
    }
    const error = count === undefined ? denial(`the policy limits the rows you may change, and the server did not report a count (${tag})`) : overLimit(count, limit.max);
    const sql = head.kind === "query" ? head.sql : head.portal.statement.sql;
    this.result(sql, frame, head.rows, [], head.started, `${tag} (undone: over the row limit of ${limit.max})`);
    if (head.kind === "execute") {
      this.pending.shift();
      this.discard(error);
    } else {
      const failing = new MessageWriter().cstring("portcullis_refused").cstring(REFUSED_TEXT).int16(0).finish("P");
      this.send(this.upstream, failing, "upstream-drain", this.client);
      head.replaceError = error;
      head.completedStatements += 1;
      this.endLimited(limit);
    }
    limit.settle();
    return undefined;
  }

  /** A statement under a row limit finished (or failed): a Query's own cycle is ended, the client's next message may go. */
  private endLimited(limit: LimitWatch): void {
    if (!limit.synced) {
      limit.synced = true;
      this.send(this.upstream, new MessageWriter(0).finish("S"), "upstream-drain", this.client);
    }
    limit.settle();
  }

  /** A Parse or Bind the server failed or skipped: its statement or portal does not exist there. */
  private forgetFailed(entry: Pending): void {
    // An Execute under a row limit the server skipped: nothing ran, the client's next message may go.
    if (entry.kind === "execute" && entry.limit) entry.limit.settle();
    if (entry.kind === "parse" && entry.name !== undefined && this.statements.get(entry.name) === entry.statement) this.statements.delete(entry.name);
    if (entry.kind === "bind" && entry.name !== undefined && this.portals.get(entry.name) === entry.portal) this.portals.delete(entry.name);
  }

  private rowDescription(frame: Frame, head: Pending | undefined): Buffer | undefined {
    if (!head) return frame.raw;
    const fields = readRowDescription(frame.body);
    if (head.kind === "describe-statement") {
      this.pending.shift();
      head.statement.fields = fields;
      if (head.hidden) return undefined;
      const plan = planColumns(fields, head.statement.masks);
      return plan.length > 0 ? rowDescription(describeMasked(fields, plan)) : frame.raw;
    }
    if (head.kind === "describe-portal") {
      this.pending.shift();
      head.portal.statement.fields ??= fields;
      head.portal.plan = planColumns(fields, head.portal.statement.masks);
      return head.portal.plan.length > 0 ? rowDescription(describeMasked(fields, head.portal.plan)) : frame.raw;
    }
    if (head.kind === "query") {
      head.plan = planColumns(fields, head.masks);
      return head.plan.length > 0 ? rowDescription(describeMasked(fields, head.plan)) : frame.raw;
    }
    return frame.raw;
  }

  private dataRow(frame: Frame, head: Pending | undefined): Buffer {
    if (head?.kind === "query") {
      head.rows += 1;
      return head.plan.length > 0 ? maskRow(frame.body, head.plan, (r, v) => this.context.mask(r, v), this.decode) : frame.raw;
    }
    if (head?.kind === "execute") {
      head.rows += 1;
      const portal = head.portal;
      if (!head.plan) {
        if (head.masks.length > 0 && !portal.statement.fields) {
          // Rows whose columns are unknown cannot be masked: never pass them through.
          throw new Error("result columns of a masked statement are unknown");
        }
        // The masks are this execution's decision's, not the Parse's: the policy may have changed since.
        head.plan = planColumns(portal.statement.fields ?? [], head.masks, (i) => resultFormatAt(portal.formats, i));
      }
      return head.plan.length > 0 ? maskRow(frame.body, head.plan, (r, v) => this.context.mask(r, v), this.decode) : frame.raw;
    }
    return frame.raw;
  }

  private complete(frame: Frame, head: Pending | undefined): void {
    if (head?.kind === "execute") {
      this.pending.shift();
      this.result(head.portal.statement.sql, frame, head.rows, head.plan?.map((m) => m.rule.column) ?? [], head.started);
      if (head.portal.statement.ddl) this.context.catalog(this.who.target).invalidate();
    } else if (head?.kind === "query") {
      // Definitions count once the server has done them (a failed PREPARE defines nothing).
      const statement = frame.type === "C" ? head.statements[head.completedStatements++] : undefined;
      if (statement) this.definitions.completed(statement, readCommandTag(frame.body), this.statements, this.portals);
      this.result(head.sql, frame, head.rows, head.plan.map((m) => m.rule.column), head.started);
      head.plan = [];
      head.rows = 0;
    }
  }

  private readyForQuery(frame: Frame): Buffer {
    this.status = String.fromCharCode(frame.body[0] ?? 0x49);
    this.completed += 1;
    if (this.status === "I") {
      this.idleThrough = this.completed;
      this.definitions.idle(this.portals);
    }
    while (this.pending.length > 0) {
      const entry = this.pending.shift()!;
      if (entry.kind === "sync") break;
      if (entry.kind === "query") {
        if (entry.ddl) this.context.catalog(this.who.target).invalidate();
        break;
      }
    }
    return frame.raw;
  }

  private result(sql: string, frame: Frame, rows: number, masked: string[], started: number, tagOverride?: string): void {
    const tag = tagOverride ?? (frame.type === "C" ? readCommandTag(frame.body) : frame.type === "I" ? "EMPTY" : frame.type === "V" ? "FUNCTION CALL" : "SUSPENDED");
    const event = { type: "result" as const, session_id: this.who.session.id, request: sql, command_tag: tag, rows, masked_columns: masked, duration_us: Math.round((performance.now() - started) * 1000) };
    this.context.record(event).catch((error: unknown) => this.context.log(`recording a result failed: ${String(error)}`));
  }

  // ---- flow control and teardown -----------------------------------------------------------

  private send(to: Socket, bytes: Buffer, drainReason: string, source: Socket): void {
    if (this.closed) return;
    if (!to.write(bytes)) this.pause(drainReason, source);
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
    const message = error instanceof Error ? error.message : String(error);
    this.fail({ severity: "FATAL", code: SQLSTATE.protocolViolation, message: `Portcullis: invalid frontend message: ${message}` }, `protocol violation: ${message}`);
  }

  /** Ends the session with a last error for the client (one connection, never the gateway). */
  fail(error: ErrorFields, reason: string): void {
    if (this.closed) return;
    if (!this.client.destroyed) this.client.end(errorResponse(error));
    this.close(reason);
  }

  close(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.hold?.abort();
    this.wakeIdle();
    for (const entry of this.pending) if ((entry.kind === "query" || entry.kind === "execute") && entry.limit) entry.limit.settle();
    this.wakeSettled();
    this.upstream.destroy();
    if (!this.client.destroyed) this.client.end();
    setTimeout(() => this.client.destroy(), 1000).unref();
    this.onClosed(reason);
  }
}

/** The stand-in a refused request is replaced with upstream: it fails to parse, so nothing runs. */
const REFUSED_TEXT = "Portcullis refused this request";

function denial(reason: string): ErrorFields {
  return { code: SQLSTATE.insufficientPrivilege, message: `Portcullis denied this request: ${reason}` };
}
