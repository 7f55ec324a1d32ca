/**
 * Why a token was refused. The code and detail go to the audit log; clients only ever see a generic
 * authentication failure (telling an attacker which check failed helps the attacker).
 */
export type RejectionCode =
  /** Not a token at all: empty, undecodable, or a JWT whose parts are not JSON. */
  | "malformed"
  /** Larger than MAX_TOKEN_BYTES; refused before it is parsed. */
  | "oversized"
  /** `iss` names no configured issuer (nor the gateway). */
  | "unknown_issuer"
  /** The issuer's discovery document, keys or introspection endpoint could not be reached. */
  | "issuer_unavailable"
  /** `none`, an HMAC, or an algorithm outside the issuer's allow-list. */
  | "algorithm_not_allowed"
  /** No published key has the token's `kid`, even after a (rate-limited) refresh of the key set. */
  | "unknown_key"
  | "bad_signature"
  | "expired"
  /** `nbf` is in the future (beyond the clock skew). */
  | "not_yet_valid"
  /** `iat` is in the future (beyond the clock skew). */
  | "issued_in_future"
  | "wrong_audience"
  /** A required claim (`iss`, `sub`, `exp`, `aud`, the configured subject claim) is absent. */
  | "missing_claim"
  /** The issuer's introspection endpoint says the opaque token is not active, or said so of a token in its chain at a session re-check (session_recheck). */
  | "inactive"
  /** Its subject or its token id was revoked at the gateway. */
  | "revoked"
  /** A gateway token scoped to other targets than the one asked for. */
  | "not_scoped_for_target"
  /** A gateway token offered for exchange: it would let a token outlive its expiry or widen its scope. */
  | "not_exchangeable"
  /** A delegation chain (the `act` claim, or one exchange extending it) longer than identity.delegation.max_depth. */
  | "delegation_too_deep"
  /** An actor token that cannot name an agent: a gateway token, or one that carries a chain of its own. */
  | "invalid_actor"
  /** The revocations shared by gateway instances could not be read lately: no token is accepted until they are. */
  | "revocations_unknown";

export interface Rejection {
  ok: false;
  code: RejectionCode;
  detail: string;
}

export function reject(code: RejectionCode, detail: string): Rejection {
  return { ok: false, code, detail };
}

/** What a client is told, whatever the reason. */
export const GENERIC_AUTHENTICATION_FAILURE = "authentication failed";
