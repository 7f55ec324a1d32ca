import { decodeJwt, decodeProtectedHeader, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from "jose";
import * as oidc from "openid-client";
import { messageOf } from "../errors.js";
import type { Identity } from "../policy/types.js";
import { groupsFrom, policyClaims } from "./claims.js";
import { DEFAULT_ALGORITHMS, MAX_TOKEN_BYTES, type IdentityConfig, type IssuerConfig } from "./config.js";
import { GATEWAY_AUDIENCE, type GatewayTokens } from "./gateway-tokens.js";
import { reject, type Rejection } from "./rejection.js";
import type { Revocations } from "./revocations.js";
import { TrustedIssuer } from "./trusted-issuer.js";

export interface VerifiedIdentity {
  ok: true;
  identity: Identity;
  /** `idp` for a token from a trusted issuer, `gateway` for one of our own. */
  via: "idp" | "gateway";
  /** The configured issuer's name (`gateway` for gateway tokens). */
  issuerName: string;
  expiresAt: number;
  issuedAt: number | undefined;
  tokenId: string | undefined;
  /** A gateway token scoped to these targets only. */
  targets: string[] | undefined;
}

export type VerifyResult = VerifiedIdentity | Rejection;

const MAX_SKEW_SECONDS = 300;

/**
 * Verifies every token a client presents: a JWT from a trusted issuer (signature against the issuer's
 * discovered key set, iss, aud, exp, nbf, iat with bounded skew, an algorithm allow-list), an opaque
 * token through the issuer's RFC 7662 introspection, or a gateway token. Never throws: every failure is
 * a Rejection with a precise code for the audit log.
 */
export class IdentityVerifier {
  private readonly issuers = new Map<string, TrustedIssuer>();
  private readonly gateway: GatewayTokens;
  private readonly revocations: Revocations;

  constructor(config: IdentityConfig, gateway: GatewayTokens, revocations: Revocations) {
    for (const issuer of config.issuers) this.issuers.set(issuer.issuer, new TrustedIssuer(issuer));
    this.gateway = gateway;
    this.revocations = revocations;
  }

  issuerConfigs(): IssuerConfig[] {
    return [...this.issuers.values()].map((i) => i.config);
  }

  async verify(token: string, options: { target?: string } = {}): Promise<VerifyResult> {
    const result = await this.verifyToken(token.trim());
    if (!result.ok) return result;
    const revoked = this.revocations.check(result.identity.subject, result.tokenId, result.issuedAt);
    if (revoked) return reject("revoked", revoked);
    if (options.target !== undefined && result.targets && !result.targets.includes(options.target)) {
      return reject("not_scoped_for_target", `token is scoped to ${result.targets.join(", ")}, not ${options.target}`);
    }
    return result;
  }

  private async verifyToken(token: string): Promise<VerifyResult> {
    if (Buffer.byteLength(token, "utf8") > MAX_TOKEN_BYTES) return reject("oversized", `token larger than ${MAX_TOKEN_BYTES} bytes`);
    if (token.length === 0) return reject("malformed", "empty token");
    if (!/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(token)) return this.introspect(token);

    let header: ReturnType<typeof decodeProtectedHeader>;
    let claims: JWTPayload;
    try {
      header = decodeProtectedHeader(token);
      claims = decodeJwt(token);
    } catch (error) {
      return reject("malformed", `not a JWT: ${messageOf(error)}`);
    }
    const iss = claims.iss;
    if (typeof iss !== "string") return reject("missing_claim", "token has no iss");
    if (iss === this.gateway.issuer) {
      return this.check(token, header.alg, this.gateway.verificationKeys, ["ES256"], iss, GATEWAY_AUDIENCE, 60, (payload) => this.gatewayIdentity(payload));
    }
    const trusted = this.issuers.get(iss);
    if (!trusted) return reject("unknown_issuer", `issuer ${iss} is not trusted`);
    const config = trusted.config;
    let keys: JWTVerifyGetKey;
    try {
      keys = await trusted.keySet();
    } catch (error) {
      return reject("issuer_unavailable", `cannot fetch keys of ${iss}: ${messageOf(error)}`);
    }
    const skew = Math.min(config.clock_skew_seconds ?? 60, MAX_SKEW_SECONDS);
    return this.check(token, header.alg, keys, config.algorithms ?? [...DEFAULT_ALGORITHMS], iss, config.audience, skew, (payload) => idpIdentity(config, payload));
  }

  private async check(
    token: string,
    alg: string | undefined,
    keys: JWTVerifyGetKey,
    algorithms: string[],
    issuer: string,
    audience: string | string[],
    skew: number,
    toIdentity: (payload: JWTPayload) => VerifyResult,
  ): Promise<VerifyResult> {
    // Refuse before touching keys: `none` and HMAC (a public key used as an HMAC secret) never verify.
    const allowed = algorithms.filter((a) => a !== "none" && !a.startsWith("HS"));
    if (!alg || !allowed.includes(alg)) return reject("algorithm_not_allowed", `algorithm ${alg ?? "(none)"} is not allowed`);
    try {
      const { payload } = await jwtVerify(token, keys, { issuer, audience, algorithms: allowed, clockTolerance: skew, requiredClaims: ["exp", "sub"] });
      if (typeof payload.iat === "number" && payload.iat > Math.floor(Date.now() / 1000) + skew) {
        return reject("issued_in_future", `iat ${payload.iat} is in the future`);
      }
      return toIdentity(payload);
    } catch (error) {
      return fromJoseError(error);
    }
  }

  private gatewayIdentity(payload: JWTPayload): VerifyResult {
    const groups = Array.isArray(payload.groups) ? payload.groups.filter((g): g is string => typeof g === "string") : [];
    const kind = payload.kind === "service" ? "service" : "human";
    const claims = typeof payload.idp_claims === "object" && payload.idp_claims !== null ? (payload.idp_claims as Record<string, unknown>) : {};
    const targets = Array.isArray(payload.targets) ? payload.targets.filter((t): t is string => typeof t === "string") : undefined;
    return {
      ok: true,
      identity: { subject: payload.sub!, issuer: typeof payload.idp === "string" ? payload.idp : this.gateway.issuer, groups, kind, claims },
      via: "gateway",
      issuerName: "gateway",
      expiresAt: payload.exp!,
      issuedAt: payload.iat,
      tokenId: payload.jti,
      targets,
    };
  }

  /** RFC 7662: an opaque token is asked about at the first issuer that offers introspection to us. */
  private async introspect(token: string): Promise<VerifyResult> {
    const candidates = [...this.issuers.values()].filter((i) => i.config.introspection);
    if (candidates.length === 0) return reject("malformed", "not a JWT, and no issuer is configured for introspection");
    for (const trusted of candidates) {
      let response: oidc.IntrospectionResponse;
      try {
        response = await oidc.tokenIntrospection(await trusted.configuration(), token);
      } catch (error) {
        return reject("issuer_unavailable", `introspection at ${trusted.config.issuer} failed: ${messageOf(error)}`);
      }
      if (!response.active) continue;
      const payload = response as unknown as JWTPayload;
      const audience = ([] as string[]).concat(trusted.config.audience);
      const aud = ([] as unknown[]).concat(payload.aud ?? []);
      if (!aud.some((a) => typeof a === "string" && audience.includes(a))) return reject("wrong_audience", "introspected token is for another audience");
      if (typeof payload.sub !== "string" || typeof payload.exp !== "number") return reject("missing_claim", "introspection did not return sub and exp");
      return idpIdentity(trusted.config, payload);
    }
    return reject("inactive", "no issuer reports the token as active");
  }
}

function idpIdentity(config: IssuerConfig, payload: JWTPayload): VerifyResult {
  const subjectValue = config.subject_claim ? payload[config.subject_claim] : payload.sub;
  if (typeof subjectValue !== "string" || subjectValue === "") return reject("missing_claim", `token has no ${config.subject_claim ?? "sub"}`);
  return {
    ok: true,
    identity: { subject: subjectValue, issuer: config.issuer, groups: groupsFrom(payload, config.groups_claim), kind: config.kind, claims: policyClaims(payload) },
    via: "idp",
    issuerName: config.name,
    expiresAt: payload.exp!,
    issuedAt: payload.iat,
    tokenId: payload.jti,
    targets: undefined,
  };
}

function fromJoseError(error: unknown): VerifyResult {
  if (error instanceof errors.JWTExpired) return reject("expired", error.message);
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === "nbf") return reject("not_yet_valid", error.message);
    if (error.claim === "aud") return reject("wrong_audience", error.message);
    if (error.claim === "iat") return reject("issued_in_future", error.message);
    if (error.reason === "missing") return reject("missing_claim", error.message);
    return reject("malformed", `${error.claim}: ${error.message}`);
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) return reject("bad_signature", error.message);
  if (error instanceof errors.JWKSNoMatchingKey) return reject("unknown_key", error.message);
  if (error instanceof errors.JOSEAlgNotAllowed) return reject("algorithm_not_allowed", error.message);
  if (error instanceof errors.JWKSTimeout) return reject("issuer_unavailable", error.message);
  if (error instanceof errors.JOSEError) return reject("malformed", error.message);
  return reject("issuer_unavailable", messageOf(error));
}
