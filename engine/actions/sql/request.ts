import type { SqlRequest } from "../types.js";

export function sqlRequest(text: string): SqlRequest {
  return { kind: "sql", text };
}

/**
 * A SQL request written the short way, `{sql: TEXT}`: how conformance cases are written, and how
 * recordings, audit records and approvals stored requests before requests were tagged by `kind`.
 * The `sql_bytes`/`sql_sha256` of a cut text become `text_bytes`/`text_sha256`.
 */
export function shorthandSqlRequest(value: Record<string, unknown>): (SqlRequest & Record<string, unknown>) | undefined {
  if (typeof value.sql !== "string") return undefined;
  const request: SqlRequest & Record<string, unknown> = { kind: "sql", text: value.sql };
  if (typeof value.sql_bytes === "number") request.text_bytes = value.sql_bytes;
  if (typeof value.sql_sha256 === "string") request.text_sha256 = value.sql_sha256;
  return request;
}
