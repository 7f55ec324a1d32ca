import type { Action } from "../actions/types.js";

export type { Action };

/** Mirrors schemas/input.json. */
export interface Identity {
  subject: string;
  issuer: string;
  groups: string[];
  kind: "human" | "service";
  claims: Record<string, unknown>;
  /**
   * Agents acting for the subject (RFC 8693 delegation), the one the person delegated to first and the
   * one acting now last. Absent when the subject acts in person.
   */
  actors?: Actor[];
}

/** One agent in a delegation chain, as the policy sees it (`input.identity.actors[i]`). */
export interface Actor {
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

/** The target as the policy sees it (`input.target`): built from a configured target by `policyTarget`. */
export interface Target {
  name: string;
  type: Protocol;
  tags: Record<string, string>;
}

/** The policy's view of any configured target: its name, protocol and tags, never where it is or its credentials. */
export function policyTarget(target: { name: string; type: Protocol; tags: Record<string, string> }): Target {
  // Keys in canonical order: the audit log serializes such objects without copying them (canonical-json.ts).
  return { name: target.name, tags: target.tags, type: target.type };
}

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

/** Mirrors schemas/decision.json: a result column to mask (SQL). */
export interface MaskRule {
  column: string;
  strategy: "redact" | "hash" | "partial" | "null";
  keep?: number;
}

/**
 * Values to mask in a JSON response (Kubernetes), addressed by a path of object keys from the object's
 * root: `data.*` is every value of `data`; `metadata.annotations.secret` one annotation.
 */
export interface JsonMaskRule {
  json_path: string;
  strategy: MaskRule["strategy"];
  keep?: number;
}

/** What a mask rule addresses, for people: the column, or the JSON path. */
export function maskAddress(rule: MaskRule | JsonMaskRule): string {
  return "column" in rule ? rule.column : rule.json_path;
}

export interface ApprovalRequirement {
  required: boolean;
  approvers?: string[];
  reason?: string;
  ttl_seconds?: number;
  mode?: "hold" | "ticket";
}

/** A budget over a time window: `limit` per `seconds`, counted apart for each `name`. */
export interface WindowLimit {
  limit: number;
  seconds: number;
  name?: string;
}

/** The budgets a decision may carry (see schemas/decision.json). */
export interface Limits {
  requests_per_minute?: number;
  rows_per_statement?: number;
  rows_per_window?: WindowLimit;
  bytes_per_window?: WindowLimit;
  commands_per_window?: WindowLimit;
}

export interface Decision {
  allow: boolean;
  reasons: string[];
  mask?: Array<MaskRule | JsonMaskRule>;
  approval?: ApprovalRequirement;
  /** The most existing rows one statement may change (see schemas/decision.json). */
  max_rows_affected?: number;
  /** Budgets enforced on the wire (see schemas/decision.json). */
  limits?: Limits;
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
