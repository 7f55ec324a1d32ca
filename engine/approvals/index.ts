/** Human approval of held requests: the service, its stores, and the webhook's signature. */
export { ApprovalService, type ApprovalEvent, type ApprovalServiceOptions, type FoundGrant } from "./approval-service.js";
export { FileApprovalStore } from "./file-store.js";
export { PostgresApprovalStore, APPROVALS_CHANNEL, type PostgresApprovalStoreOptions } from "./postgres-store.js";
export type { ApprovalPatch, ApprovalStore, ListOptions } from "./store.js";
export { ApprovalError, type ApprovalErrorCode } from "./errors.js";
export { isListedApprover, isRequester, mayDecide, maySee } from "./approvers.js";
export { newApprovalId, requestHash } from "./request-hash.js";
export { signWebhookBody, SIGNATURE_HEADER, type WebhookConfig, type WebhookEventType } from "./webhook.js";
export type { ApprovalAuditEvent } from "./audit-events.js";
export * from "./types.js";
