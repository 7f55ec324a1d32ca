import type { JWTPayload } from "jose";

/** Reads a dotted claim path (`realm_access.roles`) from a token payload. */
export function claimAt(payload: Record<string, unknown>, path: string): unknown {
  let value: unknown = payload;
  for (const part of path.split(".")) {
    if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/** Groups as a list of strings: an array claim, or a space/comma separated string (as `scope` is). */
export function groupsFrom(payload: JWTPayload, path: string | undefined): string[] {
  if (!path) return [];
  const value = claimAt(payload, path);
  if (Array.isArray(value)) return value.filter((g): g is string => typeof g === "string");
  if (typeof value === "string") return value.split(/[\s,]+/).filter((g) => g.length > 0);
  return [];
}

/** Registered claims that describe the token itself rather than the identity; policies need not see them. */
const TOKEN_CLAIMS = new Set(["iat", "exp", "nbf", "jti", "aud", "azp", "at_hash", "c_hash", "s_hash", "nonce", "auth_time", "sid", "client_id", "active", "token_type"]);

/**
 * The claims a policy sees under `input.identity.claims`: everything that describes who, not the token
 * (a CI job's repository, ref and workflow; a pod's `kubernetes.io` namespace and service account).
 * Introspection answers' bookkeeping (`active`, `token_type`) is dropped the same way.
 */
export function policyClaims(payload: JWTPayload): Record<string, unknown> {
  const claims: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(payload)) if (!TOKEN_CLAIMS.has(key)) claims[key] = value;
  return claims;
}
