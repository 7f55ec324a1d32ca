import { errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from "jose";
import { messageOf } from "../errors.js";
import { KeySetUnavailable } from "./key-set.js";
import { reject, type Rejection } from "./rejection.js";

export interface JwtExpectations {
  issuer: string;
  audience: string | string[];
  /** The asymmetric algorithms this issuer may use. */
  algorithms: readonly string[];
  clockSkewSeconds: number;
}

/**
 * The algorithm in a token's header, refused before any key is looked up or fetched: `none` and HMAC
 * never verify (an HMAC "signed" with an issuer's public key is the classic key-confusion forgery),
 * and neither does anything outside the issuer's allow-list.
 */
export function checkAlgorithm(alg: unknown, allowed: readonly string[]): Rejection | null {
  if (typeof alg !== "string" || alg === "") return reject("algorithm_not_allowed", "token header names no algorithm");
  if (alg.toLowerCase() === "none") return reject("algorithm_not_allowed", "algorithm none (an unsigned token) is never accepted");
  if (/^HS\d+$/i.test(alg)) return reject("algorithm_not_allowed", `algorithm ${alg} (a shared-secret MAC) is never accepted from an issuer`);
  if (!allowed.includes(alg)) return reject("algorithm_not_allowed", `algorithm ${alg} is not allowed for this issuer (allowed: ${allowed.join(", ")})`);
  return null;
}

/**
 * Verifies a JWS JWT's signature against `keys` and its iss, aud, exp and nbf (with the skew), plus an
 * `iat` that lies in the future, which jose leaves alone unless a maximum age is asked for.
 */
export async function verifyJwt(token: string, keys: JWTVerifyGetKey, expect: JwtExpectations): Promise<{ ok: true; payload: JWTPayload } | Rejection> {
  try {
    const { payload } = await jwtVerify(token, keys, {
      issuer: expect.issuer,
      audience: expect.audience,
      algorithms: [...expect.algorithms],
      clockTolerance: expect.clockSkewSeconds,
      requiredClaims: ["exp", "sub"],
    });
    if (typeof payload.iat === "number" && payload.iat > Math.floor(Date.now() / 1000) + expect.clockSkewSeconds) {
      return reject("issued_in_future", `iat ${payload.iat} is ${payload.iat - Math.floor(Date.now() / 1000)} s in the future (allowed skew ${expect.clockSkewSeconds} s)`);
    }
    return { ok: true, payload };
  } catch (error) {
    return rejectionOf(error);
  }
}

/** jose's error classes, each to its precise reason. */
export function rejectionOf(error: unknown): Rejection {
  if (error instanceof KeySetUnavailable) return reject("issuer_unavailable", error.message);
  if (error instanceof errors.JWTExpired) return reject("expired", error.message);
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === "nbf") return reject("not_yet_valid", error.message);
    if (error.claim === "aud") return reject(error.reason === "missing" ? "missing_claim" : "wrong_audience", error.message);
    if (error.claim === "iat") return reject("issued_in_future", error.message);
    if (error.reason === "missing") return reject("missing_claim", error.message);
    return reject("malformed", `${error.claim}: ${error.message}`);
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) return reject("bad_signature", error.message);
  if (error instanceof errors.JWKSMultipleMatchingKeys) return reject("bad_signature", error.message);
  if (error instanceof errors.JWKSNoMatchingKey) return reject("unknown_key", error.message);
  if (error instanceof errors.JOSEAlgNotAllowed) return reject("algorithm_not_allowed", error.message);
  if (error instanceof errors.JWKSTimeout) return reject("issuer_unavailable", error.message);
  if (error instanceof errors.JOSEError) return reject("malformed", error.message);
  return reject("issuer_unavailable", messageOf(error));
}
