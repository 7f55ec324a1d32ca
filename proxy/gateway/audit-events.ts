import type { AuditEvent, AuditIdentity } from "../../engine/audit/types.js";
import type { Identity, Target } from "../../engine/policy/types.js";
import type { SessionEvent } from "../postgres/context.js";

/** The identity as the audit log keeps it: claims stay out (an issuer may put anything there). */
export function auditIdentity(identity: Identity): AuditIdentity {
  return { subject: identity.subject, issuer: identity.issuer, groups: identity.groups, kind: identity.kind };
}

/**
 * Turns a PostgreSQL session event into the audit event it must leave, or undefined for events that
 * only go to the session recording (result metadata).
 */
export function auditEventOf(event: SessionEvent, targetOf: (name: string) => Target): AuditEvent | undefined {
  switch (event.type) {
    case "decision": {
      const { verdict } = event;
      return {
        type: "decision",
        session_id: event.session_id,
        identity: auditIdentity(verdict.input.identity),
        target: verdict.input.target,
        action: verdict.action,
        request: { sql: event.request },
        decision: verdict.decision,
        effect: verdict.effect,
      };
    }
    case "session_start":
      return { type: "session_start", session_id: event.session_id, protocol: "postgres", client_addr: event.client_addr, identity: auditIdentity(event.identity), target: targetOf(event.target) };
    case "session_end":
      return { type: "session_end", session_id: event.session_id, reason: event.reason };
    case "auth_failure":
      return { type: "auth_failure", protocol: "postgres", code: event.code, detail: event.detail, client_addr: event.client_addr, target: event.target, claimed_subject: event.user };
    case "result":
      return undefined;
  }
}
