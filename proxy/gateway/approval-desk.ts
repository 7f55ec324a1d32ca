import type { ApprovalService } from "../../engine/approvals/index.js";
import type { ApprovalRequest } from "../../engine/approvals/types.js";
import { policyTarget, type ApprovalGrant } from "../../engine/policy/types.js";
import type { ApprovalDesk, ApprovalOutcome } from "../gate/types.js";

function grantOf(request: ApprovalRequest): ApprovalGrant {
  return { id: request.id, granted_by: request.decided_by ?? "unknown", expires_at: request.grant?.expires_at ?? request.expires_at };
}

/** The request gate's view of the approval service: open a request, wait for it, find a ticket's grant. */
export function approvalDesk(service: ApprovalService, pendingSeconds?: number): ApprovalDesk {
  return {
    async findGrant(who, request) {
      const found = await service.findGrant({ requester: who.identity, target: policyTarget(who.target), request });
      return found?.grant;
    },
    async open(who, request, verdict) {
      const approval = verdict.decision.approval;
      const opened = await service.create({
        requester: who.identity,
        target: policyTarget(who.target),
        session_id: who.session.id,
        request,
        action: verdict.action,
        reasons: approval?.reason ? [approval.reason] : verdict.decision.reasons,
        approvers: approval?.approvers ?? [],
        ttl_seconds: approval?.ttl_seconds ?? 900,
        mode: approval?.mode ?? "hold",
        ...(pendingSeconds !== undefined ? { expires_in_seconds: pendingSeconds } : {}),
      });
      return { id: opened.id, mode: opened.mode, approvers: opened.approvers, expiresAt: opened.expires_at, ttlSeconds: opened.ttl_seconds };
    },
    async wait(id, signal): Promise<ApprovalOutcome> {
      let request: ApprovalRequest;
      try {
        request = await service.waitForDecision(id, signal);
      } catch (error) {
        if (!signal.aborted) throw error;
        // The client cancelled (or left): withdraw the request so nobody approves a request no one waits for.
        await service.cancel(id, "the client cancelled the statement").catch(() => undefined);
        return { status: "cancelled", reason: "the client cancelled the statement" };
      }
      if (request.status === "approved") return { status: "approved", grant: grantOf(request) };
      const outcome: ApprovalOutcome = { status: request.status === "pending" ? "expired" : request.status };
      if (request.decided_by) outcome.by = request.decided_by;
      if (request.decision_reason) outcome.reason = request.decision_reason;
      return outcome;
    },
  };
}
