import { auditIdentity } from "../audit/events.js";
import type { ApprovalDecidedEvent, ApprovalRequestedEvent } from "../audit/types.js";
import type { ApprovalRequest } from "./types.js";

export type ApprovalAuditEvent = ApprovalRequestedEvent | ApprovalDecidedEvent;

export function requestedEvent(r: ApprovalRequest): ApprovalRequestedEvent {
  return {
    type: "approval_requested",
    approval_id: r.id,
    session_id: r.session_id,
    identity: auditIdentity(r.requester),
    target: r.target,
    request: r.request,
    reasons: r.reasons,
    approvers: r.approvers,
    mode: r.mode,
    expires_at: r.expires_at,
  };
}

/** For a request that has left `pending`. */
export function decidedEvent(r: ApprovalRequest): ApprovalDecidedEvent {
  if (r.status === "pending") throw new Error(`approval ${r.id} is still pending`);
  const event: ApprovalDecidedEvent = { type: "approval_decided", approval_id: r.id, outcome: r.status };
  if (r.decided_by !== undefined) event.by = r.decided_by;
  if (r.decision_reason !== undefined) event.reason = r.decision_reason;
  return event;
}
