import { readStoredRequest } from "../actions/stored-request.js";
import type { ApprovalRequest } from "./types.js";

/**
 * An approval request as a store holds it, read into today's shape: requests stored before requests
 * were tagged by kind (`{sql, sql_bytes, sql_sha256}`) become `{kind: "sql", text, …}`.
 */
export function readStoredApproval(value: ApprovalRequest): ApprovalRequest {
  const request = value.request as unknown;
  if (typeof request === "object" && request !== null && "kind" in request) return value;
  const upgraded = readStoredRequest(request);
  return upgraded ? { ...value, request: upgraded } : value;
}
