import { CodedError } from "../errors.js";

/** Stable codes for audit failures; a caller that cannot audit must not forward (fail closed). */
export type AuditErrorCode =
  | "AUDIT_INVALID_EVENT" // the event does not match schemas/audit-record.json
  | "AUDIT_LOG_CORRUPT" // the log's last record is unreadable: verify it before writing more
  | "AUDIT_LOG_LOCKED" // another live process is writing this log
  | "AUDIT_LOG_FAILED" // a write or sync failed: nothing after it can be trusted durable until reopened
  | "AUDIT_LOG_CLOSED"
  | "AUDIT_LOG_MISSING";

export class AuditError extends CodedError<AuditErrorCode> {}
