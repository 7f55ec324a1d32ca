import type { SqlAction } from "../actions/sql/types.js";

/** Mirrors schemas/input.json. */
export interface Identity {
  subject: string;
  issuer: string;
  groups: string[];
  kind: "human" | "service";
  claims: Record<string, unknown>;
}

export type Protocol = "postgres" | "ssh" | "kubernetes";

export interface SessionInfo {
  id: string;
  protocol: Protocol;
  client_addr?: string;
  started_at?: string;
}

export interface Target {
  name: string;
  type: Protocol;
  tags: Record<string, string>;
}

export type Action = SqlAction;

export interface ApprovalGrant {
  id: string;
  granted_by: string;
  expires_at: string;
}

export interface PolicyInput {
  identity: Identity;
  session: SessionInfo;
  target: Target;
  action: Action;
  approval?: ApprovalGrant;
}

/** Mirrors schemas/decision.json. */
export interface MaskRule {
  column: string;
  strategy: "redact" | "hash" | "partial" | "null";
  keep?: number;
}

export interface ApprovalRequirement {
  required: boolean;
  approvers?: string[];
  reason?: string;
  ttl_seconds?: number;
  mode?: "hold" | "ticket";
}

export interface Decision {
  allow: boolean;
  reasons: string[];
  mask?: MaskRule[];
  approval?: ApprovalRequirement;
  /** The most existing rows one statement may change (see schemas/decision.json). */
  max_rows_affected?: number;
  policy_revision?: string;
}

/** The decision after precedence (deny > approval > mask > allow): what a proxy must do. */
export type Effect = "deny" | "approval" | "mask" | "allow";

export function effectOf(decision: Decision): Effect {
  if (!decision.allow) return "deny";
  if (decision.approval?.required) return "approval";
  if ((decision.mask?.length ?? 0) > 0) return "mask";
  return "allow";
}
