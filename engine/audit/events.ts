import type { DecisionRequest, Verdict } from "../decide.js";
import type { Identity, SessionInfo, Target } from "../policy/types.js";
import type { AuditIdentity, DecisionEvent, SessionStartEvent } from "./types.js";

/** The identity as audited: claims are left out (an issuer may put anything in them). */
export function auditIdentity(identity: Identity): AuditIdentity {
  const audited: AuditIdentity = { subject: identity.subject, issuer: identity.issuer, groups: [...identity.groups], kind: identity.kind };
  if (identity.actors && identity.actors.length > 0) audited.actors = identity.actors.map((a) => ({ subject: a.subject, issuer: a.issuer, kind: a.kind }));
  return audited;
}

/** The audit event for one decided request, stamped with the policy revision that decided it. */
export function decisionEvent(request: DecisionRequest, verdict: Verdict): DecisionEvent {
  const event: DecisionEvent = {
    type: "decision",
    session_id: request.session.id,
    identity: auditIdentity(request.identity),
    target: request.target,
    action: verdict.action,
    request: request.request,
    decision: { ...verdict.decision, policy_revision: verdict.decision.policy_revision ?? verdict.revision },
    effect: verdict.effect,
  };
  if (request.approval) event.approval = request.approval;
  return event;
}

export function sessionStartEvent(session: SessionInfo, identity: Identity, target: Target): SessionStartEvent {
  const event: SessionStartEvent = { type: "session_start", session_id: session.id, protocol: session.protocol, identity: auditIdentity(identity), target };
  if (session.client_addr !== undefined) event.client_addr = session.client_addr;
  return event;
}
