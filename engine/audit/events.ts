import type { DecisionRequest, Verdict } from "../decide.js";
import { deepFreeze } from "../frozen.js";
import type { Identity, SessionInfo, Target } from "../policy/types.js";
import type { AuditIdentity, DecisionEvent, SessionStartEvent } from "./types.js";

/**
 * The identity as audited: claims are left out (an issuer may put anything in them). Made once per
 * identity and frozen, as the identity itself then is: every event of a session shares it, and the
 * audit log knows a frozen part by sight (event-lines.ts).
 */
export function auditIdentity(identity: Identity): AuditIdentity {
  let audited = auditedIdentities.get(identity);
  if (audited === undefined) {
    deepFreeze(identity);
    // Keys in canonical order (canonical-json.ts): the audit log then serializes them without copying.
    const actors = identity.actors && identity.actors.length > 0 ? identity.actors.map((a) => ({ issuer: a.issuer, kind: a.kind, subject: a.subject })) : undefined;
    audited = deepFreeze({ ...(actors ? { actors } : {}), groups: [...identity.groups], issuer: identity.issuer, kind: identity.kind, subject: identity.subject });
    auditedIdentities.set(identity, audited);
  }
  return audited;
}

const auditedIdentities = new WeakMap<Identity, AuditIdentity>();

/** The audit event for one decided request, stamped with the policy revision that decided it. */
export function decisionEvent(request: DecisionRequest, verdict: Verdict): DecisionEvent {
  // Keys in canonical order (canonical-json.ts), so nearly every event is serialized as it stands.
  return {
    action: verdict.action,
    ...(request.approval ? { approval: request.approval } : {}),
    decision: verdict.decision.policy_revision !== undefined ? verdict.decision : { ...verdict.decision, policy_revision: verdict.revision },
    effect: verdict.effect,
    identity: auditIdentity(request.identity),
    request: request.request,
    session_id: request.session.id,
    target: request.target,
    type: "decision",
  };
}

export function sessionStartEvent(session: SessionInfo, identity: Identity, target: Target): SessionStartEvent {
  const event: SessionStartEvent = { type: "session_start", session_id: session.id, protocol: session.protocol, identity: auditIdentity(identity), target };
  if (session.client_addr !== undefined) event.client_addr = session.client_addr;
  return event;
}
