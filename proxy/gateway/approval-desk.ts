import type { ApprovalService } from "../../engine/approvals/index.js";
import type { ApprovalRequest } from "../../engine/approvals/types.js";
import type { ApprovalGrant, Target } from "../../engine/policy/types.js";
import type { ApprovalDesk, ApprovalOutcome } from "../postgres/context.js";
import type { PostgresTarget } from "../postgres/upstream/target.js";

function targetOf(target: PostgresTarget): Target {
  return { name: target.name, type: "postgres", tags: target.tags };
}

function grantOf(request: ApprovalRequest): ApprovalGrant {
  return { id: request.id, granted_by: request.decided_by ?? "unknown", expires_at: request.grant?.expires_at ?? request.expires_at };
}

/** The PostgreSQL proxy's view of the approval service: open a request, wait for it, find a ticket's grant. */
export function approvalDesk(service: ApprovalService, pendingSeconds?: number): ApprovalDesk {
  return {
    async findGrant(who, sql) {
      const found = await service.findGrant({ requester: who.identity, target: targetOf(who.target), request: { sql } });
      return found?.grant;
    },
    async open(who, sql, verdict) {
      const approval = verdict.decision.approval;
      const request = await service.create({
        requester: who.identity,
        target: targetOf(who.target),
        session_id: who.session.id,
        request: { sql },
        action: verdict.action,
        reasons: approval?.reason ? [approval.reason] : verdict.decision.reasons,
        approvers: approval?.approvers ?? [],
        ttl_seconds: approval?.ttl_seconds ?? 900,
        mode: approval?.mode ?? "hold",
        ...(pendingSeconds !== undefined ? { expires_in_seconds: pendingSeconds } : {}),
      });
      return { id: request.id, mode: request.mode, approvers: request.approvers, expiresAt: request.expires_at, ttlSeconds: request.ttl_seconds };
    },
    async wait(id, signal): Promise<ApprovalOutcome> {
      let request: ApprovalRequest;
      try {
        request = await service.waitForDecision(id, signal);
      } catch (error) {
        if (!signal.aborted) throw error;
        // The client cancelled (or left): withdraw the request so nobody approves a statement no one waits for.
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
