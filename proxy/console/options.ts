import type { ApprovalRequest, ApprovalStatus, DecideOptions, DecisionOutcome } from "../../engine/approvals/types.js";
import type { AuditSource } from "../../engine/audit/store.js";
import type { IdentityService } from "../../engine/identity/identity-service.js";
import type { PolicyService } from "../../engine/policy/policy-service.js";
import type { Identity } from "../../engine/policy/types.js";
import type { RecordingStore } from "../../engine/recording/store.js";

/** The OpenID client people sign in to the console with (authorization code with PKCE). */
export interface ConsoleClient {
  /** The issuer URL; it must also be a `human` issuer in the identity config whose `audience` includes `clientId`. */
  issuer: string;
  clientId: string;
  /** A confidential client's secret (client_secret_basic); without one the client is public (PKCE alone). */
  clientSecret?: string;
  /** Default: openid, email, profile, groups. */
  scopes?: string[];
}

/** What the console needs of the approval service (engine/approvals ApprovalService satisfies it). */
export interface ConsoleApprovals {
  list(query?: { status?: ApprovalStatus; limit?: number }): Promise<ApprovalRequest[]>;
  get(id: string): Promise<ApprovalRequest | undefined>;
  decide(id: string, approver: Identity, outcome: DecisionOutcome, options?: DecideOptions): Promise<ApprovalRequest>;
}

export interface ConsoleOptions {
  /**
   * The URL people reach the gateway's HTTP listener at (no trailing slash), e.g. `http://127.0.0.1:7480`:
   * the redirect URI is `<publicUrl>/console/callback`, and cookies are `Secure` when it is https.
   */
  publicUrl: string;
  client: ConsoleClient;
  /** Verifies the id token from sign-in exactly as the gateway verifies any token, giving the same Identity. */
  identity: IdentityService;
  policy: PolicyService;
  /** The audit log, read for the audit page and its chain verification. */
  audit: AuditSource;
  /** Session recordings; without them the sessions page says recording is off. */
  recordings?: RecordingStore;
  /** Without them the approvals page says approvals are not configured. */
  approvals?: ConsoleApprovals;
  /**
   * Groups that may see the audit log, sessions and policy status. Default: `auditors` plus the
   * approvers the serving policy names (`settings.approvals.approvers` in its data, e.g. group:dba).
   */
  viewerGroups?: string[];
  /** Signs the console's cookies (at least 32 bytes). Default: random, so sessions end when the gateway restarts. */
  cookieKey?: Buffer;
  /** How long a console session lasts (default 8 hours). */
  sessionTtlSeconds?: number;
  /** A console session ends after this long without a request (default 1 hour). */
  sessionIdleSeconds?: number;
  log?: (line: string) => void;
}
