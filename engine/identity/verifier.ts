import { decodeJwt, decodeProtectedHeader, type JWTPayload, type JWTVerifyGetKey } from "jose";
import type { Identity } from "../policy/types.js";
import { groupsFrom, policyClaims } from "./claims.js";
import { DEFAULT_ALGORITHMS, DEFAULT_CLOCK_SKEW_SECONDS, DEFAULT_RECHECK_SECONDS, DEFAULT_UNANSWERED_INTERVALS, MAX_TOKEN_BYTES, type IdentityConfig, type IssuerConfig } from "./config.js";
import { GATEWAY_AUDIENCE, GATEWAY_ALGORITHM, type GatewayTokens } from "./gateway-tokens.js";
import { introspect } from "./introspection.js";
import { checkAlgorithm, rejectionOf, verifyJwt } from "./jwt-check.js";
import { reject, type Rejection } from "./rejection.js";
import type { Revocations } from "./revocations.js";
import { chainFromAct, DEFAULT_MAX_DELEGATION_DEPTH, type ActorToken } from "./delegation.js";
import { TrustedIssuer } from "./trusted-issuer.js";
import { VerifiedTokens } from "./verified-tokens.js";
import { IssuerVerdicts, type IssuerCheck } from "./issuer-verdicts.js";
import { messageOf } from "../errors.js";

export interface VerifiedIdentity {
  ok: true;
  /** Exactly what the policy sees as `input.identity`. */
  identity: Identity;
  /** `idp` for a token from a trusted issuer, `gateway` for one of our own. */
  via: "idp" | "gateway";
  /** The configured issuer entry's name (`gateway` for gateway tokens). */
  issuerName: string;
  expiresAt: number;
  issuedAt: number | undefined;
  tokenId: string | undefined;
  /** A gateway token scoped to these targets only. */
  targets: string[] | undefined;
  /** The tokens of the agents acting for the subject, parallel to `identity.actors` (empty without delegation). */
  actorTokens: ActorToken[];
  /** Ids of the subject tokens a gateway token was exchanged from (revoking one revokes it). */
  derivedFrom: string[];
  /**
   * The tokens of this identity's chain whose issuers re-check live sessions (`session_recheck`): the
   * presented IdP token, or for a gateway token the IdP tokens it was exchanged from on this instance.
   * They carry token texts: never logged, audited or shown to a policy.
   */
  issuerChecks: IssuerCheck[];
}

export type VerifyResult = VerifiedIdentity | Rejection;

/** Gateway tokens are checked with a fixed, small skew: the gateway made them with its own clock. */
const GATEWAY_SKEW_SECONDS = 60;
/** A token with an opaque token's characters (RFC 6750 b64token); anything else is not a token. */
const OPAQUE_TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

/** True when `segment` is unpadded base64url (possibly empty: an unsigned token is refused later, by algorithm) that decodes and encodes back to itself. */
function canonicalBase64url(segment: string): boolean {
  return /^[A-Za-z0-9_-]*$/.test(segment) && Buffer.from(segment, "base64url").toString("base64url") === segment;
}

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
  private readonly verified = new VerifiedTokens<VerifiedIdentity>();
  readonly maxDelegationDepth: number;
  /** What issuers last said about open sessions' tokens (session_recheck). */
  readonly issuerVerdicts: IssuerVerdicts;

  constructor(config: IdentityConfig, gateway: GatewayTokens, revocations: Revocations, log: (line: string) => void = (line) => process.stderr.write(`${line}\n`)) {
    this.maxDelegationDepth = config.delegation?.max_depth ?? DEFAULT_MAX_DELEGATION_DEPTH;
    const byUrl = new Map<string, IssuerConfig[]>();
    for (const entry of config.issuers) byUrl.set(entry.issuer, [...(byUrl.get(entry.issuer) ?? []), entry]);
    for (const [url, entries] of byUrl) this.issuers.set(url, new TrustedIssuer(url, entries));
    this.gateway = gateway;
    this.revocations = revocations;
    this.issuerVerdicts = new IssuerVerdicts((issuer, token) => {
      const trusted = this.issuers.get(issuer);
      return trusted ? trusted.recheck(token) : Promise.reject(new Error(`${issuer} is no longer a trusted issuer`));
    }, { log });
  }

  async verify(token: string, options: { target?: string } = {}): Promise<VerifyResult> {
    const text = token.trim();
    let result: VerifyResult | undefined = this.verified.get(text);
    if (!result) {
      try {
        result = await this.verifyToken(text);
      } catch (error) {
        result = rejectionOf(error); // not expected; a verifier that throws must still refuse
      }
      if (!result.ok) return result;
      if (text.split(".").length === 3) this.verified.set(text, result);
    }
    // An issuer that called a token in the chain inactive since (an account removed) outweighs a
    // signature verified earlier: the cached verification goes too.
    const gone = result.issuerChecks.map((check) => this.issuerVerdicts.goneReason(check.token)).find((reason) => reason !== null);
    if (gone) {
      this.verified.delete(text);
      return reject("inactive", gone);
    }
    // Fail closed: a token cannot be accepted while the instances' shared revocations are unknown.
    const unknown = this.revocations.unknownReason();
    if (unknown) return reject("revocations_unknown", unknown);
    const revoked = revocationOf(this.revocations, result);
    if (revoked) return reject("revoked", revoked);
    if (options.target !== undefined && result.targets && !result.targets.includes(options.target)) {
      return reject("not_scoped_for_target", `token is scoped to ${result.targets.join(", ")}, not ${options.target}`);
    }
    return result;
  }

  private async verifyToken(token: string): Promise<VerifyResult> {
    if (Buffer.byteLength(token, "utf8") > MAX_TOKEN_BYTES) return reject("oversized", `token larger than ${MAX_TOKEN_BYTES} bytes`);
    if (token.length === 0) return reject("malformed", "empty token");
    const segments = token.split(".");
    if (segments.length === 3) {
      // Base64url decoders skip padding and stray bits, so `token==` would verify as `token`: only the
      // one canonical spelling of a signed token is that token.
      if (!segments.every(canonicalBase64url)) return reject("malformed", "a JWT segment is not canonical unpadded base64url");
      return this.verifySigned(token);
    }
    if (!OPAQUE_TOKEN.test(token)) return reject("malformed", "neither a JWT nor an opaque token (unexpected characters)");
    const result = await introspect([...this.issuers.values()], token);
    return result.ok ? idpIdentity(result.entry, result.payload, token) : result;
  }

  private async verifySigned(token: string): Promise<VerifyResult> {
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
      const refused = checkAlgorithm(header.alg, [GATEWAY_ALGORITHM]);
      if (refused) return refused;
      const checked = await verifyJwt(token, this.gateway.verificationKeys, { issuer: iss, audience: GATEWAY_AUDIENCE, algorithms: [GATEWAY_ALGORITHM], clockSkewSeconds: GATEWAY_SKEW_SECONDS });
      return checked.ok ? this.gatewayIdentity(checked.payload) : checked;
    }

    const trusted = this.issuers.get(iss);
    if (!trusted) return reject("unknown_issuer", `issuer ${iss} is not trusted`);
    const entry = trusted.entryFor(claims.aud);
    const algorithms = entry.algorithms ?? DEFAULT_ALGORITHMS;
    const refused = checkAlgorithm(header.alg, algorithms);
    if (refused) return refused;
    let keys: JWTVerifyGetKey;
    try {
      keys = await trusted.keySet();
    } catch (error) {
      return reject("issuer_unavailable", `cannot get the keys of ${iss}: ${messageOf(error)}`);
    }
    const checked = await verifyJwt(token, keys, { issuer: iss, audience: entry.audience, algorithms, clockSkewSeconds: entry.clock_skew_seconds ?? DEFAULT_CLOCK_SKEW_SECONDS });
    return checked.ok ? idpIdentity(entry, checked.payload, token) : checked;
  }

  private gatewayIdentity(payload: JWTPayload): VerifyResult {
    const groups = Array.isArray(payload.groups) ? payload.groups.filter((g): g is string => typeof g === "string") : [];
    const claims = typeof payload.idp_claims === "object" && payload.idp_claims !== null && !Array.isArray(payload.idp_claims) ? (payload.idp_claims as Record<string, unknown>) : {};
    const targets = Array.isArray(payload.targets) ? payload.targets.filter((t): t is string => typeof t === "string") : undefined;
    if (typeof payload.idp !== "string" || (payload.kind !== "human" && payload.kind !== "service")) return reject("missing_claim", "gateway token lacks idp or kind");
    const chain = chainFromAct(payload.act, this.maxDelegationDepth);
    if (!chain.ok) return chain;
    const identity: Identity = { subject: payload.sub!, issuer: payload.idp, groups, kind: payload.kind, claims };
    if (chain.chain.length > 0) identity.actors = chain.chain.map((link) => link.actor);
    return {
      ok: true,
      identity,
      via: "gateway",
      issuerName: "gateway",
      expiresAt: payload.exp!,
      issuedAt: payload.iat,
      tokenId: payload.jti,
      targets,
      actorTokens: chain.chain,
      derivedFrom: Array.isArray(payload.src) ? payload.src.filter((id): id is string => typeof id === "string") : [],
      issuerChecks: this.issuerVerdicts.inherited(payload.jti),
    };
  }
}

/** The identity a policy sees for a verified token (or introspection answer) from a trusted issuer. */
function idpIdentity(entry: IssuerConfig, payload: JWTPayload, token: string): VerifyResult {
  const subject = entry.subject_claim ? payload[entry.subject_claim] : payload.sub;
  if (typeof subject !== "string" || subject === "") return reject("missing_claim", `token has no ${entry.subject_claim ?? "sub"}`);
  const recheck = entry.session_recheck;
  const everySeconds = recheck?.every_seconds ?? DEFAULT_RECHECK_SECONDS;
  const issuerChecks: IssuerCheck[] = recheck
    ? [{ token, issuer: entry.issuer, subject, expiresAt: payload.exp!, everyMs: everySeconds * 1000, maxUnansweredMs: (recheck.max_unanswered_seconds ?? everySeconds * DEFAULT_UNANSWERED_INTERVALS) * 1000 }]
    : [];
  return {
    ok: true,
    identity: { subject, issuer: entry.issuer, groups: groupsFrom(payload, entry.groups_claim), kind: entry.kind, claims: policyClaims(payload) },
    via: "idp",
    issuerName: entry.name,
    expiresAt: payload.exp!,
    issuedAt: payload.iat,
    tokenId: payload.jti,
    targets: undefined,
    actorTokens: [],
    derivedFrom: [],
    issuerChecks,
  };
}

/**
 * Why a verified token no longer stands, or null: its subject or id was revoked, a token it was
 * exchanged from was, or an agent in its chain (by subject or by its token's id) was. Asked at every
 * verification and, for open sessions, again on every tick of the live-session watch.
 */
export function revocationOf(revocations: Revocations, verified: VerifiedIdentity): string | null {
  const own = revocations.check(verified.identity, verified.tokenId, verified.issuedAt);
  if (own) return own;
  for (const id of verified.derivedFrom) {
    const revoked = revocations.checkTokenId(id);
    if (revoked) return `it was exchanged from a revoked token: ${revoked}`;
  }
  for (const link of verified.actorTokens) {
    const revoked = revocations.check(link.actor, link.tokenId, link.issuedAt);
    if (revoked) return `agent ${link.actor.subject} acting for ${verified.identity.subject}: ${revoked}`;
  }
  return null;
}
