import { ApprovalError } from "./errors.js";
import type { NewApproval } from "./types.js";

/** Refuses a request that could never be decided or used as meant (the proxy then denies). */
export function validateNewApproval(input: NewApproval): void {
  const problem = problemOf(input);
  if (problem) throw new ApprovalError("INVALID", `cannot create an approval request: ${problem}`);
}

function problemOf(input: NewApproval): string | undefined {
  if (input.mode !== "hold" && input.mode !== "ticket") return `mode must be hold or ticket (got ${String(input.mode)})`;
  if (!isPositive(input.ttl_seconds)) return "ttl_seconds must be a positive number";
  if (input.expires_in_seconds !== undefined && !isPositive(input.expires_in_seconds)) return "expires_in_seconds must be a positive number";
  if (!Array.isArray(input.approvers) || input.approvers.length === 0) return "the decision names no approvers, so nobody could approve it";
  const odd = input.approvers.find((a) => typeof a !== "string" || !/^(group|subject):.+/.test(a));
  if (odd !== undefined) return `approver ${JSON.stringify(odd)} is neither group:NAME nor subject:NAME`;
  if (typeof input.request?.kind !== "string" || typeof input.request.text !== "string") return "the request has no text";
  if (!input.requester || typeof input.requester.subject !== "string" || typeof input.requester.issuer !== "string") return "the requester has no subject or issuer";
  if (!input.target || typeof input.target.name !== "string") return "the target has no name";
  if (typeof input.session_id !== "string") return "session_id must be a string";
  return undefined;
}

function isPositive(value: unknown): boolean {
  return typeof value === "number" && Number.isFinite(value) && value > 0;
}
