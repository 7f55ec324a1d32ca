import type { SqlStatement } from "../../engine/actions/sql/types.js";
import type { Allowance } from "../gate/budgets.js";
import type { ErrorFields } from "./protocol/backend-messages.js";
import { SQLSTATE } from "./protocol/codes.js";
import { MessageWriter } from "./protocol/message-writer.js";

/**
 * The rows a statement may return under the decision's row limits (rows per statement, rows per
 * window), enforced on the wire without counting a result whole: the server is asked, with the
 * extended protocol's Execute row count, for one row more than the cap. A result that has that row is
 * cut: the row is dropped, the statement is failed on the server before anything commits (exactly as
 * if it had failed there), and the client gets an error after the rows it may have. The server stops
 * producing rows there, and the gateway never holds more than the message in hand.
 */
export interface RowCap {
  allowance: Allowance;
  /** The cap of the statement now running, read when it started. */
  max: number;
  /** Which limit `max` is. */
  reason: string;
  /** A row past `max` arrived: it was dropped, and the statement is cut. */
  cut: boolean;
}

/** Execute counts are int32: a cap that large is as good as none. */
const MAX_EXECUTE_ROWS = 0x7fff_fffe;

/** The cap of a statement starting now; `used`: rows its portal already returned. */
export function startCap(allowance: Allowance, used = 0): RowCap {
  const { max, reason } = allowance.left(used);
  return { allowance, max, reason, cut: false };
}

/** The row count to ask the server for: one more than the cap, so a result over it shows itself. */
export function executeRows(cap: RowCap): number {
  return Math.min(cap.max + 1, MAX_EXECUTE_ROWS);
}

/** An Execute of `portal` for `rows` rows. */
export function executeMessage(portal: string, rows: number): Buffer {
  return new MessageWriter().cstring(portal).int32(rows).finish("E");
}

export function cutOff(cap: RowCap, sent: number): ErrorFields {
  return {
    code: SQLSTATE.insufficientPrivilege,
    message: `Portcullis cut this result off after ${sent} rows: ${cap.reason}`,
    hint: "Narrow the query with WHERE or LIMIT; the statement failed, and its transaction with it.",
  };
}

/**
 * What a row cap cannot hold: COPY TO STDOUT streams its rows as data the server sends whole (the
 * Execute row count does not apply), so under a row limit it is refused rather than let through.
 */
export function uncappable(statements: readonly SqlStatement[]): ErrorFields | undefined {
  if (!statements.some((s) => s.copy?.direction === "to" && s.copy.endpoint === "stdio")) return undefined;
  return {
    code: SQLSTATE.insufficientPrivilege,
    message: "Portcullis denied this request: the policy limits the rows you may read, and COPY TO STDOUT cannot be cut at a row limit",
    hint: "Read the rows with SELECT instead.",
  };
}
