import { performance } from "node:perf_hooks";
import type { Pending, Portal, PreparedStatement } from "./pending.js";
import type { ErrorFields } from "./protocol/backend-messages.js";
import type { Frame } from "./protocol/frame-reader.js";
import { MessageWriter } from "./protocol/message-writer.js";
import { SqlDefinitions } from "./sql-definitions.js";

/**
 * Where the session's bytes go. The relay's state machine writes through this and never touches a
 * socket: the socket adapter (relay.ts) decides how bytes reach the wire and applies backpressure.
 */
export interface Outbox {
  toServer(bytes: Buffer): void;
  toClient(bytes: Buffer): void;
}

/** The stand-in a refused request is replaced with upstream: it fails to parse, so nothing runs. */
export const REFUSED_TEXT = "Portcullis refused this request";

/**
 * What one PostgreSQL session holds as the server holds it: the responses owed for what was sent,
 * prepared statements and portals (committed only on the server's own answers), SQL definitions, and
 * the transaction status. Both directions of the relay read and change it; nothing here does I/O but
 * through the outbox.
 */
export class SessionState {
  readonly pending: Pending[] = [];
  readonly statements = new Map<string, PreparedStatement>();
  readonly portals = new Map<string, Portal>();
  /** SQL PREPARE and DECLARE of this session: what a later EXECUTE or FETCH runs. */
  readonly definitions = new SqlDefinitions();
  /** After a refused extended-protocol message, everything up to Sync is discarded, as a server does. */
  discarding = false;
  /** The server sent a FATAL error: its closing the connection is expected, and it has said why. */
  serverEnded = false;
  /** The transaction status of the last ReadyForQuery: I, T or E. */
  status: string;
  /** Set once a decision says the caller has masked columns: the server's runtime messages are withheld. */
  withhold = false;
  /**
   * Portal lifetimes. The server drops every portal when a transaction ends, and a SQL cursor or a
   * function's refcursor may then take the same name: an Execute of it must not inherit the masks of
   * a portal bound earlier. `cycle` counts requests that end with ReadyForQuery (Query, Sync) sent
   * upstream; portals bound before cycle `idleThrough` died when the server reported it was idle.
   */
  cycle = 0;
  completed = 0;
  idleThrough = 0;
  /** The server reported an extended-protocol error and no Sync has been sent since: it answers nothing until one is. */
  skippingToSync = false;

  private readonly out: Outbox;

  constructor(out: Outbox, status: string) {
    this.out = out;
    this.status = status;
  }

  /** The server last said a transaction block is open (ReadyForQuery "T" or "E"). */
  get inTransaction(): boolean {
    return this.status === "T" || this.status === "E";
  }

  /** A statement is still running upstream: a Query, an Execute, or a cycle awaiting its ReadyForQuery. */
  running(): boolean {
    return this.pending.some((p) => p.kind === "query" || p.kind === "sync" || p.kind === "execute");
  }

  forward(frame: Frame, expect: Pending | undefined): void {
    this.out.toServer(frame.raw);
    if (expect) this.expect(expect);
  }

  /**
   * Queues the response a forwarded message will get. After an error in an extended-protocol cycle
   * the server skips every message, simple Queries included, up to the next Sync: those get none.
   */
  expect(entry: Pending): void {
    if (entry.kind === "sync") this.skippingToSync = false;
    else if (this.skippingToSync) {
      // The server skips it: a Parse or Bind sent now defines nothing there.
      this.forgetFailed(entry);
      return;
    }
    this.pending.push(entry);
    if (entry.kind === "query" || entry.kind === "sync") this.cycle += 1;
  }

  /**
   * An extended-protocol message refused here. The server must fail exactly as if the message had
   * failed on it: skip to Sync, roll back the implicit transaction, fail a transaction block. So it is
   * sent a Parse that cannot parse (it defines and runs nothing), and its error is replaced by this one.
   * Everything the client sends until Sync is skipped, as the server would skip it.
   */
  discard(error: ErrorFields): undefined {
    this.discarding = true;
    this.out.toServer(refusedParse());
    this.expect({ kind: "parse", replaceError: error });
    return undefined;
  }

  /**
   * A denied Query or FunctionCall. The server runs a stand-in that fails at parse time, so its
   * transaction ends up exactly as after an error of its own (failed inside a block, rolled back when
   * implicit) and its ReadyForQuery reports that; the client sees this error in place of the stand-in's.
   */
  refuse(error: ErrorFields): void {
    this.out.toServer(new MessageWriter().cstring(REFUSED_TEXT).finish("Q"));
    this.expect({ kind: "query", masks: [], ddl: false, plan: [], rows: 0, started: performance.now(), statements: [], completedStatements: 0, replaceError: error });
  }

  /** A Parse or Bind the server failed or skipped: its statement or portal does not exist there. */
  forgetFailed(entry: Pending): void {
    // An Execute under a row limit the server skipped: nothing ran, the client's next message may go.
    if (entry.kind === "execute" && entry.limit) entry.limit.settle();
    if (entry.kind === "parse" && entry.name !== undefined && this.statements.get(entry.name) === entry.statement) this.statements.delete(entry.name);
    if (entry.kind === "bind" && entry.name !== undefined && this.portals.get(entry.name) === entry.portal) this.portals.delete(entry.name);
  }
}

/** A Parse of the stand-in: the server fails it, and skips to the next Sync. */
export function refusedParse(): Buffer {
  return new MessageWriter().cstring("portcullis_refused").cstring(REFUSED_TEXT).int16(0).finish("P");
}
