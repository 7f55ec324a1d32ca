import { performance } from "node:perf_hooks";
import type { PostgresGatewayContext } from "./context.js";
import { unreadableClientEncoding } from "./client-encoding.js";
import { withholdValues } from "./error-withholding.js";
import { isExtended, type LimitWatch, type Pending } from "./pending.js";
import { MaskedDescriptions } from "./masked-descriptions.js";
import { errorResponse, readCommandTag, readErrorFields, type ErrorFields } from "./protocol/backend-messages.js";
import { SQLSTATE } from "./protocol/codes.js";
import type { Frame } from "./protocol/frame-reader.js";
import { resultFormatAt } from "./protocol/frontend-messages.js";
import { MessageWriter } from "./protocol/message-writer.js";
import { maskRow, planColumns, type BinaryDecoder } from "./row-masker.js";
import { affectedRows, overLimit, queryAsExtended } from "./row-limit.js";
import { cutOff, executeRows, startCap, type RowCap } from "./row-cap.js";
import { refusedParse, type Outbox, type SessionState } from "./session-state.js";
import type { GateSession } from "./gate-session.js";

/**
 * The server's side of the state machine: each message the target sends is matched to what asked for
 * it (the state's pending queue), commits the state it confirms (a statement exists once the server
 * said ParseComplete; definitions once their command completed; portals die when it reports idle),
 * and becomes what the client is sent: masked rows, masked column types, a refusal in place of a
 * stand-in's error, a withheld message. It writes only through the outbox.
 */
export class ServerReplies {
  private readonly state: SessionState;
  private readonly out: Outbox;
  private readonly context: PostgresGatewayContext;
  private readonly who: GateSession;
  private readonly decode: BinaryDecoder;
  private readonly fatal: (error: ErrorFields, reason: string) => void;
  /** Masked results' descriptions already read and rewritten in this session. */
  private readonly descriptions = new MaskedDescriptions();

  constructor(options: { state: SessionState; out: Outbox; context: PostgresGatewayContext; who: GateSession; decode: BinaryDecoder; fatal: (error: ErrorFields, reason: string) => void }) {
    this.state = options.state;
    this.out = options.out;
    this.context = options.context;
    this.who = options.who;
    this.decode = options.decode;
    this.fatal = options.fatal;
  }

  /** What to write to the client for one upstream message (undefined: nothing). */
  reply(frame: Frame): Buffer | undefined {
    const state = this.state;
    const head = state.pending[0];
    switch (frame.type) {
      case "1":
      case "2":
        // The gateway's own extended cycle for a Query under a row limit: the client sent a Query.
        if (head?.kind === "query" && head.limit) return undefined;
        state.pending.shift();
        return frame.raw;
      case "3":
        state.pending.shift();
        return frame.raw;
      case "t":
        return head?.kind === "describe-statement" && head.hidden ? undefined : frame.raw;
      case "n":
        if (head?.kind === "query" && head.limit) return undefined;
        if (head?.kind === "describe-statement" || head?.kind === "describe-portal") {
          state.pending.shift();
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
      case "s":
        if ((head?.kind === "query" || head?.kind === "execute") && head.limit?.rows) return this.suspended(frame, head, head.limit, head.limit.rows);
        this.complete(frame, head);
        return frame.raw;
      case "I":
        this.complete(frame, head);
        return frame.raw;
      case "E": {
        const fields = readErrorFields(frame.body);
        if ((fields.V ?? fields.S) === "FATAL") state.serverEnded = true;
        state.definitions.failed();
        // A stand-in the gateway had fail for a refused request: the client gets the refusal.
        const replaced = head && (head.kind === "query" || head.kind === "parse") && head.replaceError ? errorResponse(head.replaceError) : undefined;
        // After an error the server skips the rest of the extended cycle up to Sync: what it skipped
        // (or failed) defined nothing on it, so the gateway forgets it too.
        if ((head?.kind === "query" || head?.kind === "execute") && head.limit) {
          // The rows it sent before failing were received all the same.
          head.limit.rows?.allowance.spend(head.rows);
          if (head.limit.rows) head.rows = 0;
          this.endLimited(head.limit);
        }
        if (head && isExtended(head)) {
          while (state.pending[0] && state.pending[0].kind !== "sync") state.forgetFailed(state.pending.shift()!);
          if (state.pending.length === 0) state.skippingToSync = true;
        }
        return replaced ?? ((state.withhold && withholdValues("E", frame.body)) || frame.raw);
      }
      case "N":
        return (state.withhold && withholdValues("N", frame.body)) || frame.raw;
      case "S": {
        // However it was changed (SET under an alias, pg_settings, a function calling set_config), the
        // next statement would be read by the server differently from how it was decided.
        const encoding = unreadableClientEncoding(frame.body);
        if (encoding) {
          this.fatal({ severity: "FATAL", code: SQLSTATE.featureNotSupported, message: `Portcullis: client encoding ${encoding} is not supported: the gateway reads SQL as UTF-8` }, `client encoding ${encoding}`);
          return undefined;
        }
        return frame.raw;
      }
      case "Z":
        return this.readyForQuery(frame);
      case "V":
        // A function call's one value: its result, recorded as a statement's would be.
        if (head?.kind === "query") this.result(head.requestId, frame, 1, [], head.started);
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
    limit.rows?.allowance.spend(head.rows);
    if (head.kind === "execute") head.portal.sent = undefined;
    const counted = limit.counted[limit.index++] ?? false;
    const count = affectedRows(tag);
    if (!counted || (count !== undefined && count <= limit.max)) {
      this.complete(frame, head);
      // The next statement of the Query runs only now that this one's count is known.
      const next = limit.texts[limit.index];
      if (limit.rows && next !== undefined) limit.rows = startCap(limit.rows.allowance);
      if (head.kind === "query" && next !== undefined) this.out.toServer(queryAsExtended(next, limit.rows ? executeRows(limit.rows) : 0));
      else this.endLimited(limit);
      return frame.raw;
    }
    const error = count === undefined ? denial(`the policy limits the rows you may change, and the server did not report a count (${tag})`) : overLimit(count, limit.max);
    this.result(head.requestId, frame, head.rows, [], head.started, `${tag} (undone: over the row limit of ${limit.max})`);
    if (head.kind === "execute") {
      this.state.pending.shift();
      this.state.discard(error);
    } else {
      this.out.toServer(refusedParse());
      head.replaceError = error;
      head.completedStatements += 1;
      this.endLimited(limit);
    }
    limit.settle();
    return undefined;
  }

  /**
   * A PortalSuspended under a row cap. Either the client's own Execute count was reached (within the
   * cap: the portal stays open, its rows counted towards the cap of its next Execute), or the server
   * had a row past the cap: the result is cut there, and the statement is failed on the server before
   * anything commits, exactly as a statement over its write limit is (see limitedComplete).
   */
  private suspended(frame: Frame, head: Pending & { kind: "query" | "execute" }, limit: LimitWatch, cap: RowCap): Buffer | undefined {
    const sent = head.rows;
    cap.allowance.spend(sent);
    if (head.kind === "execute" && !cap.cut) {
      head.portal.sent = (head.portal.sent ?? 0) + sent;
      this.complete(frame, head);
      this.endLimited(limit);
      return frame.raw;
    }
    const total = sent + (head.kind === "execute" ? (head.portal.sent ?? 0) : 0);
    const error = cutOff(cap, total);
    this.result(head.requestId, frame, sent, head.plan?.map((m) => m.rule.column) ?? [], head.started, `SUSPENDED (cut off after ${total} rows: ${cap.reason})`);
    head.rows = 0;
    if (head.kind === "execute") {
      this.state.pending.shift();
      this.state.discard(error);
      limit.settle();
    } else {
      this.out.toServer(refusedParse());
      head.replaceError = error;
      head.completedStatements += 1;
      this.endLimited(limit);
    }
    return undefined;
  }

  /** A statement under a row limit finished (or failed): a Query's own cycle is ended, the client's next message may go. */
  private endLimited(limit: LimitWatch): void {
    if (!limit.synced) {
      limit.synced = true;
      this.out.toServer(new MessageWriter(0).finish("S"));
    }
    limit.settle();
  }

  private rowDescription(frame: Frame, head: Pending | undefined): Buffer | undefined {
    if (!head) return frame.raw;
    // A Query's result with nothing to mask goes out as it came: its columns need not be read.
    if (head.kind === "query" && head.masks.length === 0) {
      head.plan = [];
      return frame.raw;
    }
    if (head.kind === "describe-statement") {
      this.state.pending.shift();
      const described = this.descriptions.describe(frame.body, head.masks);
      head.statement.fields = described.fields;
      if (head.hidden) return undefined;
      return described.message ?? frame.raw;
    }
    if (head.kind === "describe-portal") {
      this.state.pending.shift();
      const described = this.descriptions.describe(frame.body, head.masks);
      head.portal.statement.fields ??= described.fields;
      head.portal.plan = described.plan;
      return described.message ?? frame.raw;
    }
    if (head.kind === "query") {
      const described = this.descriptions.describe(frame.body, head.masks);
      head.plan = described.plan;
      return described.message ?? frame.raw;
    }
    return frame.raw;
  }

  private dataRow(frame: Frame, head: Pending | undefined): Buffer | undefined {
    // The row past a cap only shows that the result is over it: never sent (see suspended).
    if ((head?.kind === "query" || head?.kind === "execute") && head.limit?.rows && head.rows >= head.limit.rows.max) {
      head.limit.rows.cut = true;
      return undefined;
    }
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
    const state = this.state;
    if (head?.kind === "execute") {
      state.pending.shift();
      this.result(head.requestId, frame, head.rows, head.plan?.map((m) => m.rule.column) ?? [], head.started);
      if (head.portal.statement.ddl) this.context.catalog(this.who.target).invalidate();
    } else if (head?.kind === "query") {
      // Definitions count once the server has done them (a failed PREPARE defines nothing).
      const statement = frame.type === "C" ? head.statements[head.completedStatements++] : undefined;
      if (statement) state.definitions.completed(statement, readCommandTag(frame.body), state.statements, state.portals);
      this.result(head.requestId, frame, head.rows, head.plan.map((m) => m.rule.column), head.started);
      head.plan = [];
      head.rows = 0;
    }
  }

  private readyForQuery(frame: Frame): Buffer {
    const state = this.state;
    state.status = String.fromCharCode(frame.body[0] ?? 0x49);
    state.completed += 1;
    if (state.status === "I") {
      state.idleThrough = state.completed;
      state.definitions.idle(state.portals);
    }
    while (state.pending.length > 0) {
      const entry = state.pending.shift()!;
      if (entry.kind === "sync") break;
      if (entry.kind === "query") {
        if (entry.ddl) this.context.catalog(this.who.target).invalidate();
        break;
      }
    }
    return frame.raw;
  }

  /** Records what the server answered to a request (tag, rows, masked columns, time). */
  result(requestId: number | undefined, frame: Frame, rows: number, masked: string[], started: number, tagOverride?: string): void {
    if (requestId === undefined) return;
    const tag = tagOverride ?? (frame.type === "C" ? readCommandTag(frame.body) : frame.type === "I" ? "EMPTY" : frame.type === "V" ? "FUNCTION CALL" : "SUSPENDED");
    const result = { kind: "sql" as const, command_tag: tag, rows, masked_columns: masked };
    const event = { type: "result" as const, session_id: this.who.session.id, request_id: requestId, result, duration_us: Math.round((performance.now() - started) * 1000) };
    this.context.record(event).catch((error: unknown) => this.context.log(`recording a result failed: ${String(error)}`));
  }
}

export function denial(reason: string): ErrorFields {
  return { code: SQLSTATE.insufficientPrivilege, message: `Portcullis denied this request: ${reason}` };
}
