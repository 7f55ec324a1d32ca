/**
 * What every proxy and the gateway say to each other, whatever the protocol: who is asking, the
 * events a session reports, where approvals wait, and how the request gate answers. Type-only, so the
 * gate, the proxies and the gateway import it without importing each other.
 */
import type { TargetFacts } from "../../engine/actions/index.js";
import type { Action, RawRequest, RefusedResult, RequestResult } from "../../engine/actions/types.js";
import type { DecisionRequest, Verdict } from "../../engine/decide.js";
import type { ApprovalGrant, Identity, Protocol, SessionInfo } from "../../engine/policy/types.js";
import type { Allowance, Budgets } from "./budgets.js";

/** The configured target a session reaches: what the policy sees of it (name, protocol, tags) at least. */
export interface GateTarget {
  name: string;
  type: Protocol;
  tags: Record<string, string>;
}

/** Who asks, over which session, of which target. A proxy keeps one per session. */
export interface GateCaller {
  identity: Identity;
  session: SessionInfo;
  target: GateTarget;
}

/** What a session reports for the audit log and its recording; the gateway decides what to keep. */
export type SessionEvent =
  | { type: "auth_failure"; protocol: Protocol; session_id: string; client_addr: string; target: string; user: string; code: string; detail: string }
  | { type: "session_start"; session_id: string; client_addr: string; identity: Identity; target: string; protocol: Protocol }
  /** `request_id`: the request's number in its session, which its result names. */
  | { type: "decision"; session_id: string; request_id: number; request: RawRequest; verdict: Verdict }
  /** What came back: the result, or the error the client got in its protocol's terms (a refusal included). */
  | { type: "result"; session_id: string; request_id: number; result: RequestResult | RefusedResult; duration_us: number }
  /** A terminal stream's bytes or window size, for the session's recording only (never a policy boundary). */
  | { type: "terminal"; session_id: string; request_id: number; event: "input" | "output" | "error"; data: Buffer }
  | { type: "terminal"; session_id: string; request_id: number; event: "resize"; size: { cols: number; rows: number } }
  | { type: "session_end"; session_id: string; reason: string };

/**
 * A login's outcome. `watch`, when the gateway watches open sessions, makes the session end when its
 * identity does (a token in its chain expires, a revocation): the proxy calls it once the session is
 * open with how to end it in its protocol, and calls what it returns when the session closes.
 * `expiresAt` is the token's expiry (epoch seconds; the shortest in a delegation chain).
 */
export type Authentication = { ok: true; identity: Identity; expiresAt?: number; watch?: SessionWatch } | { ok: false; code: string; detail: string };

/** Starts watching an open session; `end(reason)` ends it with its protocol's message. Returns how to stop watching. */
export type SessionWatch = (session: { id: string; protocol: Protocol }, end: (reason: string) => void) => () => void;

/** Where a request the policy holds for approval waits (the gateway's approval service, seen from a proxy). */
export interface ApprovalDesk {
  /** A grant from an earlier approval of exactly this request by this identity on this target (ticket mode). */
  findGrant(who: GateCaller, request: RawRequest): Promise<ApprovalGrant | undefined>;
  /** Opens an approval request for a decision that requires one. */
  open(who: GateCaller, request: RawRequest, verdict: Verdict): Promise<OpenApproval>;
  /** Resolves once the request is decided, expired or cancelled; `signal` aborts the wait (and cancels the request). */
  wait(id: string, signal: AbortSignal): Promise<ApprovalOutcome>;
}

export interface OpenApproval {
  id: string;
  mode: "hold" | "ticket";
  approvers: string[];
  expiresAt: string;
  ttlSeconds: number;
}

export type ApprovalOutcome =
  | { status: "approved"; grant: ApprovalGrant }
  | { status: "denied" | "expired" | "cancelled"; by?: string; reason?: string };

/** How a held request talks to its session: a notice to the waiting client, and the session's cancel. */
export interface HoldControl {
  notify(message: string): void;
  /** Aborted when the client cancels or disconnects. */
  signal: AbortSignal;
}

/** What the gate needs from the rest of the gateway. */
export interface GatePorts {
  /** Normalizes and decides a request (large ones off the event loop). */
  decideAsync(request: DecisionRequest): Promise<Verdict>;
  /** Normalizes a request without asking the policy (large ones off the event loop). */
  normalizeAsync(request: RawRequest, facts?: TargetFacts): Promise<Action>;
  /** The policy revision deciding now. */
  revision(): string;
  /** Asks the policy again about an action already normalized, now with an approval's grant. */
  decideWithGrant(verdict: Verdict, grant: ApprovalGrant): Verdict;
  /** Records an event durably; a decision resolves once it is on disk, and a rejection fails the request closed. */
  record(event: SessionEvent): Promise<void>;
  /** Approvals; without them a decision that requires one is refused with a reason naming it. */
  approvals?: ApprovalDesk;
  /** Per-caller counts for the decision's window limits (requests per minute, rows, bytes, commands), shared by every session of the gateway. */
  budgets: Budgets;
  log(line: string): void;
}

/**
 * Why the gate refused a request, for each proxy to answer in its own protocol (PostgreSQL: an
 * ErrorResponse; SSH: stderr and an exit status; Kubernetes: a `Status` object).
 * - `denied`: the policy (or a check the gateway makes for it) said no;
 * - `unparsable`: the request could not be read; `parse_error` says where;
 * - `approval_required`: an approval is needed (`approval` names the request once one is open);
 * - `approval_refused`: the approval was denied or expired, or could not be opened or waited for;
 * - `cancelled`: the client withdrew a request that waited for approval;
 * - `audit_failed`: the decision could not be recorded, so nothing may be forwarded;
 * - `unavailable`: the gateway could not check something it must (fails closed).
 */
export type RefusalCode = "denied" | "unparsable" | "approval_required" | "approval_refused" | "cancelled" | "audit_failed" | "unavailable";

export interface Refusal {
  code: RefusalCode;
  /** What the client is told, one line. */
  message: string;
  /** What the client can do about it, when there is something. */
  hint?: string;
  /** More about why (an approval withdrawn, the policy's reasons beside a parse error). */
  detail?: string;
  /** For `unparsable`: where in the text reading stopped (0-based characters). */
  position?: number;
  /** For approvals: the approval request, once one is open. */
  approval?: { id: string; approvers: string; ttlSeconds: number };
}

/** What the gate answers: forward (with the verdict to enforce) or refuse. Both carry the request's number when it was recorded. */
export type GateOutcome =
  | { ok: true; verdict: Verdict; requestId: number; allowance?: RequestAllowance }
  | { ok: false; verdict?: Verdict; requestId?: number; refusal: Refusal };

/**
 * What a forwarded request may still use of its decision's limits, for its proxy to enforce on the
 * wire as the answer streams (cut where the allowance ends) and to spend what it sent.
 */
export interface RequestAllowance {
  /** Rows the client may receive for this statement (PostgreSQL). */
  rows?: Allowance;
  /** Bytes of output the client may receive for this request (SSH, Kubernetes). */
  bytes?: Allowance;
}
