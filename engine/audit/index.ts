/** The audit log: append-only, hash-chained, durable before an append resolves. */
export { AuditLog, type AuditLogOptions, type AuditLogStats } from "./audit-log.js";
export { FileAuditStore, fileSource } from "./file-store.js";
export type { AuditSource, AuditStore, RepairReport, StoredEntry } from "./store.js";
export { verifyChain, type Anchor, type BreakKind, type ChainBreak, type VerifyResult } from "./verify.js";
export { matches, readRecords, type AuditFilter } from "./query.js";
export { followLog } from "./follow.js";
export { auditIdentity, decisionEvent, sessionStartEvent } from "./events.js";
export { redact, isSecretName, REDACTED, type RedactOptions, type Redaction } from "./redact.js";
export { canonicalJson } from "./canonical-json.js";
export { GENESIS_HASH, hashRecord } from "./chain.js";
export { auditEventProblem, auditRecordProblem } from "./event-schema.js";
export { auditLogPath, DEFAULT_AUDIT_LOG } from "./location.js";
export { AuditError, type AuditErrorCode } from "./errors.js";
export type * from "./types.js";
