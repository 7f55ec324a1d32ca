import { sqlRequest } from "../../engine/actions/sql/request.js";
import { countStatements } from "../../engine/actions/sql/statement-count.js";
import type { PostgresGatewayContext, QueryLimits } from "./context.js";

export type { QueryLimits } from "./context.js";
import type { GateSession } from "./gate-session.js";
import { reportError } from "./statement-gate.js";
import type { ErrorFields } from "./protocol/backend-messages.js";


export const DEFAULT_QUERY_LIMITS: QueryLimits = { maxBytes: 1024 * 1024, maxStatements: 1000 };

/** PostgreSQL's program_limit_exceeded: what the server itself answers for a statement too large to handle. */
export const PROGRAM_LIMIT_EXCEEDED = "54000";

/** Why `sql` is over `limits`, or undefined when it is within them. Linear in the text, parses nothing. */
export function queryLimitExceeded(sql: string, limits: QueryLimits): string | undefined {
  // A JavaScript string's length bounds its UTF-8 size from below: counting bytes can wait for a long one.
  if (sql.length > limits.maxBytes || Buffer.byteLength(sql, "utf8") > limits.maxBytes) {
    return `the query text is ${Buffer.byteLength(sql, "utf8")} bytes, more than the ${limits.maxBytes} bytes allowed in one message`;
  }
  const statements = countStatements(sql, limits.maxStatements);
  if (statements > limits.maxStatements) {
    return `the query holds more than ${limits.maxStatements} statements, the most allowed in one message`;
  }
  return undefined;
}

/**
 * Checks `sql` against the session's limits before anything analyses it. Over a limit, the refusal is
 * audited as a denial (without analysing the text) and the error to answer with is returned; undefined
 * when the text is within the limits. A failed audit write is a refusal too.
 */
export async function refuseOverLimit(context: PostgresGatewayContext, who: GateSession, sql: string): Promise<ErrorFields | undefined> {
  const reason = queryLimitExceeded(sql, context.queryLimits ?? DEFAULT_QUERY_LIMITS);
  if (reason === undefined) return undefined;
  const error: ErrorFields = {
    code: PROGRAM_LIMIT_EXCEEDED,
    message: `Portcullis: ${reason}`,
    hint: "send the statements in smaller messages",
  };
  // The policy never sees the text: the action says why nothing was analysed.
  const refused = await who.gate.refuseUnread(sqlRequest(sql), reason, { kind: "sql", statements: [], parse_error: { message: `not analysed: ${reason}`, position: 0 } });
  if (refused.requestId !== undefined) reportError(context, who, refused.requestId, error);
  return error;
}
