import { CodedError } from "../errors.js";

/** Stable codes callers switch on (the HTTP API maps each to a status and an error name). */
export type ApprovalErrorCode =
  | "NOT_FOUND"
  | "NOT_PENDING"
  | "SELF_APPROVAL"
  | "NOT_AN_APPROVER"
  | "EXPIRED"
  | "INVALID"
  | "AUDIT_FAILED"
  | "STORE_FAILED"
  | "STORE_CORRUPT"
  | "STORE_LOCKED"
  | "CLOSED";

export class ApprovalError extends CodedError<ApprovalErrorCode> {}
