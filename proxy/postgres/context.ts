import type { SecureContext } from "node:tls";
import type { DecisionRequest, Verdict } from "../../engine/decide.js";
import type { CallerInput, CallerMasks, CallerSessionLimits } from "../../engine/policy/evaluator.js";
import type { MaskRule } from "../../engine/policy/types.js";
import type { Authentication, GatePorts } from "../gate/types.js";
import type { ColumnCatalog } from "./catalog.js";
import type { PostgresTarget } from "./upstream/target.js";

/**
 * How much SQL one message may carry. Everything the gateway does with a message (parsing, analysis,
 * the policy, the audit record) grows with it and runs on the one event loop every session shares:
 * these bounds keep one client from stalling the others.
 */
export interface QueryLimits {
  /** The most bytes (UTF-8) of SQL text in one Query or Parse message. */
  maxBytes: number;
  /** The most statements in one Query message. */
  maxStatements: number;
}

/**
 * Everything a PostgreSQL session needs from the rest of the gateway: the request gate's ports
 * (decisions, approvals, the audit record) and what only PostgreSQL needs. The proxy only terminates
 * the protocol: who someone is, what is allowed and how a value is masked are answered here.
 */
export interface PostgresGatewayContext extends GatePorts {
  target(name: string): PostgresTarget | undefined;
  authenticate(secret: string, target: string): Promise<Authentication>;
  /** Decides a request known to be small (a setting, a limit), on the event loop. */
  decide(request: DecisionRequest): Verdict;
  /** The columns masked for a caller wherever a value cannot be traced to its column (fails closed as `known: false`). */
  maskedColumns(caller: CallerInput): CallerMasks & { revision: string };
  /** The policy's session limits for a caller on a target, asked at login (`known: false` refuses the login). */
  sessionLimits(caller: CallerInput): CallerSessionLimits;
  /** Masks one value (text form) by a decision's rule; null stays null. Throws on an unknown strategy. */
  mask(rule: MaskRule, value: string | null): string | null;
  catalog(target: PostgresTarget): ColumnCatalog;
  /** How much SQL one message may carry (DEFAULT_QUERY_LIMITS when absent). */
  queryLimits?: QueryLimits;
  /** TLS for clients: the certificate to answer SSLRequest with, and whether clients must use it. */
  tls?: { context: SecureContext; required: boolean };
  /**
   * Tokens may arrive without TLS from other hosts (config `postgres.allow_cleartext_tokens`, for a
   * network the operator trusts). Without it only loopback clients may send a token in clear text.
   */
  allowCleartextTokens?: boolean;
  /** This gateway instance's id, in the names of the per-session roles it makes (targets with ephemeral_roles). */
  sessionRoleInstance?: string;
}
