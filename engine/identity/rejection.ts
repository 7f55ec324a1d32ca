/**
 * Why a token was refused. The code and detail go to the audit log; clients only ever see a generic
 * authentication failure (telling an attacker which check failed helps the attacker).
 */
export type RejectionCode =
  | "malformed"
  | "oversized"
  | "unknown_issuer"
  | "issuer_unavailable"
  | "algorithm_not_allowed"
  | "unknown_key"
  | "bad_signature"
  | "expired"
  | "not_yet_valid"
  | "issued_in_future"
  | "wrong_audience"
  | "missing_claim"
  | "inactive"
  | "revoked"
  | "not_scoped_for_target";

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
