import { randomUUID } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { createLocalJWKSet, exportJWK, generateKeyPair, importJWK, SignJWT, type JWK, type JWTVerifyGetKey } from "jose";
import type { Actor, Identity } from "../policy/types.js";
import type { GatewayTokenConfig } from "./config.js";
import { actClaim, type ActorToken } from "./delegation.js";

export const GATEWAY_AUDIENCE = "portcullis";
export const GATEWAY_ALGORITHM = "ES256";
/** Retired keys stay published this much longer than the longest token lifetime, for verifiers' clock skew. */
const RETIRED_KEY_GRACE_SECONDS = 60;

interface StoredKey {
  kid: string;
  created_at: number;
  private: JWK;
}

export interface IssueOptions {
  /** Capped by max_ttl_seconds. */
  ttlSeconds?: number;
  targets?: string[];
  /** The agents acting for the identity (agent acting now last), recorded as the nested `act` claim. */
  actors?: readonly ActorToken[];
  /** Ids of the subject tokens this one was exchanged from: revoking any of them revokes this one too. */
  derivedFrom?: readonly string[];
}

export interface IssuedToken {
  token: string;
  jti: string;
  expires_in: number;
  expires_at: number;
  /** The agents acting for the subject, agent acting now last (empty without delegation). */
  actors: Actor[];
}

/**
 * The gateway's own short-lived tokens (just-in-time access): an identity the gateway has verified,
 * re-issued for minutes and optionally scoped to named targets. Signed with the gateway's key (ES256);
 * keys rotate, and retired keys stay published until every token they signed has expired.
 */
export class GatewayTokens {
  readonly issuer: string;
  readonly ttlSeconds: number;
  readonly maxTtlSeconds: number;
  private keys: StoredKey[];
  private readonly keyFile: string | undefined;
  private keySet: JWTVerifyGetKey;

  private constructor(config: GatewayTokenConfig, keys: StoredKey[], keyFile: string | undefined) {
    this.issuer = config.issuer ?? "portcullis";
    this.maxTtlSeconds = config.max_ttl_seconds ?? 3600;
    this.ttlSeconds = Math.min(config.ttl_seconds ?? 900, this.maxTtlSeconds);
    this.keys = keys;
    this.keyFile = keyFile;
    this.keySet = createLocalJWKSet(this.jwks());
  }

  /** Loads the signing keys from `keyFile` (0600), creating the first key when there is none. */
  static async create(config: GatewayTokenConfig = {}, keyFile?: string): Promise<GatewayTokens> {
    let keys: StoredKey[] = [];
    if (keyFile) {
      try {
        keys = (JSON.parse(readFileSync(keyFile, "utf8")) as { keys: StoredKey[] }).keys;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      }
    }
    const tokens = new GatewayTokens(config, keys, keyFile);
    if (keys.length === 0) await tokens.rotate();
    return tokens;
  }

  /** Starts signing with a new key; keys older than the longest token lifetime are retired. */
  async rotate(): Promise<string> {
    const { privateKey } = await generateKeyPair(GATEWAY_ALGORITHM, { extractable: true });
    const jwk = await exportJWK(privateKey);
    const now = Math.floor(Date.now() / 1000);
    const key: StoredKey = { kid: randomUUID(), created_at: now, private: { ...jwk, alg: GATEWAY_ALGORITHM, use: "sig" } };
    // A key that stopped signing more than max_ttl (plus skew) ago signed no token that is still valid.
    const horizon = now - this.maxTtlSeconds - RETIRED_KEY_GRACE_SECONDS;
    this.keys = [...this.keys.filter((_key, i, all) => i === all.length - 1 || (all[i + 1]?.created_at ?? now) > horizon), key];
    this.keySet = createLocalJWKSet(this.jwks());
    this.save();
    return key.kid;
  }

  /** The public keys, as the gateway's JWKS endpoint publishes them. */
  jwks(): { keys: JWK[] } {
    return {
      keys: this.keys.map((k) => {
        const { d: _private, ...publicPart } = k.private;
        return { ...publicPart, kid: k.kid, alg: GATEWAY_ALGORITHM, use: "sig" };
      }),
    };
  }

  get verificationKeys(): JWTVerifyGetKey {
    return this.keySet;
  }

  /** Issues a token for a verified identity; `ttlSeconds` is capped by max_ttl_seconds. */
  async issue(identity: Identity, options: IssueOptions = {}): Promise<IssuedToken> {
    const current = this.keys[this.keys.length - 1]!;
    const ttl = Math.max(1, Math.min(options.ttlSeconds ?? this.ttlSeconds, this.maxTtlSeconds));
    const now = Math.floor(Date.now() / 1000);
    const jti = randomUUID();
    const claims: Record<string, unknown> = {
      groups: identity.groups,
      kind: identity.kind,
      idp: identity.issuer,
      idp_claims: identity.claims,
    };
    if (options.targets && options.targets.length > 0) claims.targets = options.targets;
    const act = actClaim(options.actors ?? []);
    if (act) claims.act = act;
    if (options.derivedFrom && options.derivedFrom.length > 0) claims.src = [...new Set(options.derivedFrom)];
    const token = await new SignJWT(claims)
      .setProtectedHeader({ alg: GATEWAY_ALGORITHM, kid: current.kid, typ: "JWT" })
      .setIssuer(this.issuer)
      .setSubject(identity.subject)
      .setAudience(GATEWAY_AUDIENCE)
      .setIssuedAt(now)
      .setExpirationTime(now + ttl)
      .setJti(jti)
      .sign(await importJWK(current.private, GATEWAY_ALGORITHM));
    return { token, jti, expires_in: ttl, expires_at: now + ttl, actors: (options.actors ?? []).map((link) => link.actor) };
  }

  private save(): void {
    if (!this.keyFile) return;
    mkdirSync(dirname(this.keyFile), { recursive: true, mode: 0o700 });
    const temp = `${this.keyFile}.${process.pid}.tmp`;
    writeFileSync(temp, JSON.stringify({ keys: this.keys }), { mode: 0o600 });
    renameSync(temp, this.keyFile);
  }
}
