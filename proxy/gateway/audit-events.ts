import { decisionEvent, sessionStartEvent } from "../../engine/audit/index.js";
import type { AuditEvent } from "../../engine/audit/types.js";
import type { Protocol, Target } from "../../engine/policy/types.js";
import type { SessionEvent } from "../gate/types.js";

/**
 * Turns a session event (any protocol) into the audit event it must leave, or undefined for events
 * that only go to the session recording (result metadata).
 */
export function auditEventOf(event: SessionEvent, targetOf: (name: string, protocol: Protocol) => Target): AuditEvent | undefined {
  switch (event.type) {
    case "decision": {
      const { identity, session, target, approval } = event.verdict.input;
      return decisionEvent({ identity, session, target, request: event.request, ...(approval ? { approval } : {}) }, event.verdict);
    }
    case "session_start":
      return sessionStartEvent({ id: event.session_id, protocol: event.protocol, client_addr: event.client_addr }, event.identity, targetOf(event.target, event.protocol));
    case "session_end":
      return { type: "session_end", session_id: event.session_id, reason: event.reason };
    case "auth_failure":
      return { type: "auth_failure", protocol: event.protocol, code: event.code, detail: event.detail, client_addr: event.client_addr, target: event.target, claimed_subject: event.user };
    case "result":
    case "terminal":
      return undefined;
  }
}
