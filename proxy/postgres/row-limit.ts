import type { SqlStatement, WriteEffect } from "../../engine/actions/sql/types.js";
import type { Verdict } from "../../engine/decide.js";
import { SQLSTATE } from "./protocol/codes.js";
import type { ErrorFields } from "./protocol/backend-messages.js";
import { MessageWriter } from "./protocol/message-writer.js";
import { executeMessage } from "./row-cap.js";

/**
 * The blast-radius limit a decision may carry (`max_rows_affected`): the most existing rows one
 * statement may change. The gateway cannot know the count before the statement runs, so it runs the
 * statement where it can still be undone (before the Sync that would commit an implicit transaction),
 * reads the count from the server's own CommandComplete, and fails the server's transaction when the
 * count is higher: exactly as if the statement itself had failed on the server.
 *
 * The server's count is trustworthy only for the statement that names the command tag: an UPDATE,
 * DELETE, MERGE or INSERT (… ON CONFLICT DO UPDATE) standing alone, or an EXECUTE of one. Any other
 * change of existing rows under a limit (in a CTE, under EXPLAIN ANALYZE, TRUNCATE, several statements
 * in one message) is refused: the gateway could not tell how many rows it changed.
 */
export type RowLimit =
  | { kind: "none" }
  /** `counted[i]`: the server's count for the request's i-th statement is held to `max`. */
  | { kind: "limit"; max: number; counted: boolean[] }
  | { kind: "refuse"; error: ErrorFields };

const COUNTED = new Set(["UPDATE", "DELETE", "MERGE", "INSERT"]);

/** A write that may change rows already in a table (TRUNCATE is left to approvals: it changes all of them by design). */
function changesRows(w: WriteEffect): boolean {
  return w.command === "UPDATE" || w.command === "DELETE" || w.command === "MERGE" || w.via !== undefined;
}

/** The limit that applies to running `request` (the statements the client sent; the others are definitions they run). */
export function rowLimitOf(verdict: Verdict, request: SqlStatement[]): RowLimit {
  const max = verdict.decision.max_rows_affected;
  if (max === undefined || verdict.action.kind !== "sql") return { kind: "none" };
  // The PREPARE behind an EXECUTE of this request (definitions are decided with what uses them).
  const definitions = verdict.action.statements.filter((s) => !request.includes(s)).flatMap((s) => s.writes);
  const executes = request.filter((s) => s.command === "EXECUTE").length;
  const counted: boolean[] = [];
  for (const statement of request) {
    // A PREPARE only defines and a plain EXPLAIN only plans: neither changes a row.
    const runs = statement.command !== "PREPARE" && statement.explain?.analyze !== false;
    const writes = runs ? [...statement.writes, ...(statement.command === "EXECUTE" ? definitions : [])] : [];
    if (!writes.some(changesRows)) {
      counted.push(false);
      continue;
    }
    const direct = writes.filter((w) => w.via === undefined);
    const alone = (COUNTED.has(statement.command) || (statement.command === "EXECUTE" && executes === 1)) && direct.length === 1 && COUNTED.has(direct[0]!.command);
    if (!alone) return refusal(max, "Portcullis cannot count the rows this request changes", "Send the change as a single UPDATE, DELETE, MERGE or INSERT statement.");
    counted.push(true);
  }
  if (!counted.includes(true)) return { kind: "none" };
  // COPY FROM STDIN needs the client's data while the gateway holds the cycle open for the count.
  if (request.some((s) => s.copy !== undefined)) return refusal(max, "COPY cannot share a request with a counted change", "Send the COPY on its own.");
  return { kind: "limit", max, counted };
}

function refusal(max: number, why: string, hint: string): RowLimit {
  return { kind: "refuse", error: { code: SQLSTATE.insufficientPrivilege, message: `Portcullis denied this request: the policy limits you to changing ${max} rows per statement, and ${why}`, hint } };
}

/** The rows a command changed, from its CommandComplete tag (`UPDATE 3`, `INSERT 0 3`, `MERGE 3`). */
export function affectedRows(tag: string): number | undefined {
  const match = /^(?:UPDATE|DELETE|MERGE|INSERT \d+) (\d+)$/.exec(tag);
  return match ? Number(match[1]) : undefined;
}

export function overLimit(count: number, max: number): ErrorFields {
  return {
    code: SQLSTATE.insufficientPrivilege,
    message: `Portcullis denied this request: it changed ${count} rows, more than the ${max} the policy allows in one statement; the change was undone`,
    hint: "Narrow the change with a WHERE clause, or split it into smaller statements.",
  };
}

/**
 * One statement of a simple Query sent as the extended protocol without a Sync: the server runs it but
 * keeps its implicit transaction open until the gateway has read the row count. Text results, no
 * parameters, exactly as the Query would run it; Describe asks for the columns the Query would send.
 * `maxRows`: at most that many rows (0: all), for a cap on the rows returned (row-cap.ts).
 */
export function queryAsExtended(text: string, maxRows = 0): Buffer {
  return Buffer.concat([
    new MessageWriter().cstring("").cstring(text).int16(0).finish("P"),
    new MessageWriter().cstring("").cstring("").int16(0).int16(0).int16(0).finish("B"),
    new MessageWriter().byte(0x50).cstring("").finish("D"),
    executeMessage("", maxRows),
    new MessageWriter(0).finish("H"),
  ]);
}
