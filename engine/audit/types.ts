import type { RawRequest } from "../actions/index.js";
import type { Action, ApprovalGrant, Decision, Effect, Protocol, Target } from "../policy/types.js";
import type { RejectionCode } from "../identity/rejection.js";

/**
 * Audit events, mirroring schemas/audit-record.json#/$defs/event. An event says who did what against which
 * target and what Portcullis decided; it never carries a credential or token (see redact.ts).
 */

/** The identity as audited: no claims, which may hold anything an issuer chose to put there. */
export interface AuditIdentity {
  subject: string;
  issuer: string;
  groups: string[];
  kind: "human" | "service";
  /** The delegation chain, agent acting now last: who acted for the subject. */
  actors?: Array<{ subject: string; issuer: string; kind: "human" | "service" }>;
}

interface EventBase {
  /** JSON paths of values the redaction guard removed before the event was written. */
  redacted?: string[];
  /** JSON paths of values cut to keep the record bounded (see bound.ts). */
  truncated?: string[];
}

/**
 * The raw request as audited: its text up to a limit; when cut, the whole text's UTF-8 byte length
 * and SHA-256 (hex) say exactly what it was.
 */
export type AuditRequest = RawRequest & { text_bytes?: number; text_sha256?: string };

export interface DecisionEvent extends EventBase {
  type: "decision";
  session_id: string;
  identity: AuditIdentity;
  target: Target;
  action: Action;
  request: AuditRequest;
  decision: Decision;
  effect: Effect;
  approval?: ApprovalGrant;
}

export interface SessionStartEvent extends EventBase {
  type: "session_start";
  session_id: string;
  protocol: Protocol;
  client_addr?: string;
  identity: AuditIdentity;
  target: Target;
}

export interface SessionEndEvent extends EventBase {
  type: "session_end";
  session_id: string;
  reason?: string;
  requests?: number;
  duration_ms?: number;
}

export interface AuthFailureEvent extends EventBase {
  type: "auth_failure";
  protocol: Protocol;
  /** Why the credential was refused: an engine/identity rejection code, or another stable code. */
  code: RejectionCode | (string & {});
  detail?: string;
  client_addr?: string;
  /** The target the client asked for, when it got that far. */
  target?: string;
  /** The subject the client claimed, when one could be read; unverified. */
  claimed_subject?: string;
}

export interface ApprovalRequestedEvent extends EventBase {
  type: "approval_requested";
  approval_id: string;
  session_id: string;
  identity: AuditIdentity;
  target: Target;
  request: AuditRequest;
  reasons: string[];
  approvers: string[];
  mode?: "hold" | "ticket";
  expires_at: string;
}

export interface ApprovalDecidedEvent extends EventBase {
  type: "approval_decided";
  approval_id: string;
  outcome: "approved" | "denied" | "expired" | "cancelled";
  /** The approver's subject; absent when the request expired or was cancelled by its client. */
  by?: string;
  reason?: string;
}

/** An admin revoked a subject (every token it held then) or one token, by its id. */
export interface RevocationEvent extends EventBase {
  type: "revocation";
  /** The admin's subject. */
  by: string;
  subject?: string;
  /** The issuer the subject's revocation is limited to; `*` for every issuer. */
  issuer?: string;
  token_id?: string;
}

/** Written by the log itself when opening it cut off an interrupted write (a torn last line). */
export interface LogRepairedEvent extends EventBase {
  type: "log_repaired";
  after_seq: number;
  truncated_bytes: number;
  truncated_sha256: string;
}

export type AuditEvent =
  | DecisionEvent
  | SessionStartEvent
  | SessionEndEvent
  | AuthFailureEvent
  | ApprovalRequestedEvent
  | ApprovalDecidedEvent
  | RevocationEvent
  | LogRepairedEvent;

export type AuditEventType = AuditEvent["type"];

/** One line of the log: the event and its place in the hash chain. */
export interface AuditRecord {
  seq: number;
  time: string;
  prev_hash: string;
  hash: string;
  event: AuditEvent;
}

/** Where a chain ends: the last record's seq and hash (seq 0 and the genesis hash when empty). */
export interface ChainHead {
  seq: number;
  hash: string;
}
