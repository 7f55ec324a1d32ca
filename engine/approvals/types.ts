import type { RawRequest } from "../actions/index.js";
import type { Action, Identity, Target } from "../policy/types.js";

/**
 * An approval request and what became of it. Mirrors schemas/approval.json. A request is created
 * `pending` when a decision requires approval; it leaves `pending` exactly once (approved, denied,
 * expired, or cancelled by the client that was holding), and `version` grows by one with every stored
 * change, so concurrent writers (several gateway instances) compare and set.
 */
export type ApprovalStatus = "pending" | "approved" | "denied" | "expired" | "cancelled";

/** hold: the client's statement waits for the decision; ticket: the client retries once approved. */
export type ApprovalMode = "hold" | "ticket";

/** once: the approval lets the identical request through one time; window: any number of times until expiry. */
export type GrantUse = "once" | "window";

export interface ApprovalGrantState {
  use: GrantUse;
  /** When the approval stops letting the request through (decided_at + ttl_seconds). */
  expires_at: string;
  /** How many requests it has let through (a held statement released by the decision counts as one). */
  uses: number;
}

export interface ApprovalRequest {
  /** "apr_" and 10 base32 characters: short enough to type, unguessable enough not to matter. */
  id: string;
  status: ApprovalStatus;
  version: number;
  created_at: string;
  /** A pending request past this time is expired. */
  expires_at: string;
  mode: ApprovalMode;
  requester: Identity;
  target: Target;
  session_id: string;
  /** The request as sent, its text cut at 8 KiB (then with the whole text's size and SHA-256). */
  request: RawRequest & { text_bytes?: number; text_sha256?: string };
  /** What was cut to keep the stored request small (JSON-pointer paths); absent when nothing was. */
  truncated?: string[];
  /** sha256 hex of the canonical JSON {issuer, subject, target: target.name, request}: what an approval is bound to. */
  request_hash: string;
  action: Action;
  reasons: string[];
  /** Who may decide: "group:NAME" or "subject:NAME". */
  approvers: string[];
  /** How long an approval stays usable once granted. */
  ttl_seconds: number;
  decided_by?: string;
  decided_at?: string;
  decision_reason?: string;
  grant?: ApprovalGrantState;
}

/** What a proxy knows when a decision requires approval. */
export interface NewApproval {
  requester: Identity;
  target: Target;
  session_id: string;
  request: RawRequest;
  action: Action;
  reasons: string[];
  approvers: string[];
  ttl_seconds: number;
  mode: ApprovalMode;
  /** How long the request may stay pending (default 900 s); fractions allowed. */
  expires_in_seconds?: number;
}

export type DecisionOutcome = "approve" | "deny";

export interface DecideOptions {
  reason?: string;
  /** For approvals: once (default) or window. */
  use?: GrantUse;
}

/** The identical request from the same identity against the same target: what findGrant looks up. */
export interface GrantQuery {
  requester: Identity;
  target: Target;
  request: RawRequest;
}

export const APPROVAL_STATUSES: readonly ApprovalStatus[] = ["pending", "approved", "denied", "expired", "cancelled"];
export const GRANT_USES: readonly GrantUse[] = ["once", "window"];
