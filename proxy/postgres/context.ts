import type { SecureContext } from "node:tls";
import type { DecisionRequest, Verdict } from "../../engine/decide.js";
import type { CallerInput, CallerMasks, CallerSessionLimits } from "../../engine/policy/evaluator.js";
import type { ApprovalGrant, Identity, MaskRule } from "../../engine/policy/types.js";
import type { ColumnCatalog } from "./catalog.js";
import type { QueryLimits } from "./query-limits.js";
import type { PostgresTarget } from "./upstream/target.js";

/** What a PostgreSQL session reports for the audit log and its recording; the engine decides what to keep. */
export type SessionEvent =
  | { type: "auth_failure"; session_id: string; client_addr: string; target: string; user: string; code: string; detail: string }
  | { type: "session_start"; session_id: string; client_addr: string; identity: Identity; target: PostgresTarget["name"] }
  | { type: "decision"; session_id: string; request: string; verdict: Verdict }
  | { type: "result"; session_id: string; request: string; command_tag: string; rows: number; masked_columns: string[]; duration_us: number }
  | { type: "session_end"; session_id: string; reason: string };

/** A refused credential: `code` is the identity rejection code, `detail` its explanation (for the audit log only). */
/** Where a statement the policy holds for approval waits (the gateway's approval service, seen from the proxy). */
export interface ApprovalDesk {
  /** A grant from an earlier approval of exactly this request by this identity on this target (ticket mode). */
  findGrant(who: { identity: Identity; target: PostgresTarget; session: { id: string } }, sql: string): Promise<ApprovalGrant | undefined>;
  /** Opens an approval request for a decision that requires one. */
  open(who: { identity: Identity; target: PostgresTarget; session: { id: string } }, sql: string, verdict: Verdict): Promise<OpenApproval>;
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

export type Authentication = { ok: true; identity: Identity } | { ok: false; code: string; detail: string };

/**
 * Everything a PostgreSQL session needs from the rest of the gateway. The proxy only terminates the
 * protocol: who someone is, what is allowed and how a value is masked are answered here.
 */
export interface PostgresGatewayContext {
  target(name: string): PostgresTarget | undefined;
  authenticate(secret: string, target: string): Promise<Authentication>;
  /** Decides a request known to be small (a setting, a limit), on the event loop. */
  decide(request: DecisionRequest): Verdict;
  /** Decides any request; a large one is analysed off the event loop so it holds up no other session. */
  decideAsync(request: DecisionRequest): Promise<Verdict>;
  /** The columns masked for a caller wherever a value cannot be traced to its column (fails closed as `known: false`). */
  maskedColumns(caller: CallerInput): CallerMasks & { revision: string };
  /** The policy's session limits for a caller on a target, asked at login (`known: false` refuses the login). */
  sessionLimits(caller: CallerInput): CallerSessionLimits;
  /**
   * Records an event durably. Decision events resolve only once the record is on disk: nothing is
   * forwarded before. A rejection fails the statement closed.
   */
  record(event: SessionEvent): Promise<void>;
  /** Masks one value (text form) by a decision's rule; null stays null. Throws on an unknown strategy. */
  mask(rule: MaskRule, value: string | null): string | null;
  catalog(target: PostgresTarget): ColumnCatalog;
  /** Approvals; without them a decision that requires one is refused with an error naming it. */
  approvals?: ApprovalDesk;
  /** How much SQL one message may carry (DEFAULT_QUERY_LIMITS when absent). */
  queryLimits?: QueryLimits;
  /** TLS for clients: the certificate to answer SSLRequest with, and whether clients must use it. */
  tls?: { context: SecureContext; required: boolean };
  /**
   * Tokens may arrive without TLS from other hosts (config `postgres.allow_cleartext_tokens`, for a
   * network the operator trusts). Without it only loopback clients may send a token in clear text.
   */
  allowCleartextTokens?: boolean;
  log(line: string): void;
}
