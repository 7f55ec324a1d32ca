import { join } from "node:path";
import { DEFAULT_LOGIN_SCOPES, type IdentityConfig, type IssuerConfig } from "./config.js";
import { GatewayTokens, type IssuedToken } from "./gateway-tokens.js";
import { reject, type Rejection } from "./rejection.js";
import type { SharedRevocationStore } from "./revocation-store.js";
import { Revocations } from "./revocations.js";
import { validateIdentityConfig } from "./validate-config.js";
import { delegate } from "./delegate.js";
import { IdentityVerifier, revocationOf, type VerifiedIdentity, type VerifyResult } from "./verifier.js";

export interface IdentityServiceOptions {
  /** Where the gateway keeps its signing keys and revocations; in memory only when absent. */
  stateDir?: string;
  /** Revocations shared with other gateway instances (PostgreSQL), read every `pollMs` (default 1000). */
  sharedRevocations?: { store: SharedRevocationStore; pollMs?: number; log?: (line: string) => void };
  /** Where identity notices go (an issuer that cannot re-check a kind of token); stderr by default. */
  log?: (line: string) => void;
}

/** How often shared revocations are read when the caller names no interval: well inside the 5 s promise. */
export const DEFAULT_REVOCATION_POLL_MS = 1000;

export interface ExchangeOptions {
  /** Scope the gateway token to these targets only (none: usable for any target policy allows). */
  targets?: string[];
  /** A shorter lifetime than the configured default; capped by max_ttl_seconds. */
  ttlSeconds?: number;
  /**
   * RFC 8693 delegation: the workload token of an agent that will act for the subject. The gateway token
   * then names the subject and, in its `act` claim, this agent after any agents already acting for it.
   */
  actorToken?: string;
}

export type ExchangeResult = { ok: true; issued: IssuedToken; verified: VerifiedIdentity } | Rejection;

/** One issuer people can log in with: public, no secrets (served at GET /v1/login-config). */
export interface LoginIssuer {
  name: string;
  issuer: string;
  client_id: string;
  scopes: string[];
}

/**
 * Identity for the whole gateway: verifies presented tokens, exchanges a verified IdP token for a
 * short-lived gateway token (RFC 8693), publishes the gateway's keys, and revokes subjects and tokens.
 */
export class IdentityService {
  readonly verifier: IdentityVerifier;
  readonly tokens: GatewayTokens;
  readonly revocations: Revocations;
  private readonly config: IdentityConfig;

  private constructor(config: IdentityConfig, tokens: GatewayTokens, revocations: Revocations, log?: (line: string) => void) {
    this.config = config;
    this.tokens = tokens;
    this.revocations = revocations;
    this.verifier = new IdentityVerifier(config, tokens, revocations, log);
  }

  /**
   * Checks `config` (the `identity` section of the config file; throws IdentityConfigError naming the
   * bad key) and loads or creates the gateway's signing key and revocation list under `stateDir`.
   */
  static async create(config: IdentityConfig, options: IdentityServiceOptions = {}): Promise<IdentityService> {
    validateIdentityConfig(config);
    const tokens = await GatewayTokens.create(config.gateway_tokens, options.stateDir ? join(options.stateDir, "gateway-keys.json") : undefined);
    const revocations = new Revocations(options.stateDir ? join(options.stateDir, "revocations.json") : undefined);
    const shared = options.sharedRevocations;
    if (shared) {
      await revocations.share(shared.store, { pollMs: shared.pollMs ?? DEFAULT_REVOCATION_POLL_MS, log: shared.log ?? ((line) => process.stderr.write(`${line}\n`)) });
    }
    return new IdentityService(config, tokens, revocations, options.log);
  }

  /** Verifies a presented token; with `target`, a gateway token scoped elsewhere is refused. Never throws. */
  verify(token: string, options: { target?: string } = {}): Promise<VerifyResult> {
    return this.verifier.verify(token, options);
  }

  /**
   * Exchanges a token from a trusted issuer for a gateway token. Without an actor token a gateway token
   * cannot be exchanged for another (that would let a token outlive its own expiry or widen its target
   * scope); with one it can, and the new token is delegated (see delegate.ts).
   */
  async exchange(subjectToken: string, options: ExchangeOptions = {}): Promise<ExchangeResult> {
    const verified = await this.verify(subjectToken);
    if (!verified.ok) return verified;
    const requested = options.targets && options.targets.length > 0 ? [...new Set(options.targets)] : undefined;
    if (options.actorToken !== undefined) {
      const actor = await this.verify(options.actorToken);
      const plan = delegate(verified, actor, { maxDepth: this.verifier.maxDelegationDepth, ...(requested ? { targets: requested } : {}) });
      if (!plan.ok) return plan;
      const ttl = Math.min(options.ttlSeconds ?? this.tokens.ttlSeconds, plan.remainingSeconds);
      const issued = await this.tokens.issue(plan.identity, { ttlSeconds: ttl, actors: plan.actors, derivedFrom: plan.derivedFrom, ...(plan.targets ? { targets: plan.targets } : {}) });
      this.verifier.issuerVerdicts.inherit(issued.jti, [...verified.issuerChecks, ...(actor.ok ? actor.issuerChecks : [])], issued.expires_at);
      return { ok: true, issued, verified };
    }
    if (verified.via === "gateway") return reject("not_exchangeable", "a gateway token cannot be exchanged for another");
    const issued = await this.tokens.issue(verified.identity, {
      ...(options.ttlSeconds !== undefined ? { ttlSeconds: options.ttlSeconds } : {}),
      ...(requested ? { targets: requested } : {}),
      ...(verified.tokenId !== undefined ? { derivedFrom: [verified.tokenId] } : {}),
    });
    this.verifier.issuerVerdicts.inherit(issued.jti, verified.issuerChecks, issued.expires_at);
    return { ok: true, issued, verified };
  }

  /**
   * Why an identity verified earlier (an open session's) no longer stands, or null: a token in its chain
   * expired, its subject, a token it rests on or an agent in its chain was revoked since, or (with
   * session_recheck) an issuer called a token of its chain inactive or could not be asked for too long.
   * Synchronous: issuers are asked in the background while the session is held (holdIssuerChecks).
   */
  recheck(verified: VerifiedIdentity, now = Date.now()): string | null {
    if (verified.expiresAt * 1000 <= now) return `the token of ${verified.identity.subject} expired at ${new Date(verified.expiresAt * 1000).toISOString()}`;
    for (const link of verified.actorTokens) {
      if (link.expiresAt * 1000 <= now) return `the token of agent ${link.actor.subject} expired at ${new Date(link.expiresAt * 1000).toISOString()}`;
    }
    return revocationOf(this.revocations, verified) ?? this.verifier.issuerVerdicts.reason(verified.issuerChecks);
  }

  /** Keeps asking the issuers of `verified`'s chain about it (session_recheck) until the returned function is called. */
  holdIssuerChecks(verified: VerifiedIdentity): () => void {
    return this.verifier.issuerVerdicts.hold(verified.issuerChecks);
  }

  /**
   * Ends every token `subject` holds now, from `issuer` or (absent) from any issuer, gateway tokens and
   * tokens of agents acting for them included. Takes effect here at once; resolves once shared.
   */
  revokeSubject(subject: string, issuer?: string): Promise<void> {
    return this.revocations.revokeSubject(subject, issuer === undefined ? {} : { issuer });
  }

  /** Ends one token, by its `jti`, at once (and every gateway token exchanged from it); resolves once shared. */
  revokeToken(jti: string, expiresAt?: number): Promise<void> {
    return this.revocations.revokeToken(jti, expiresAt);
  }

  /** Whether `identity` may revoke: a member of identity.admin_groups, in person (an agent acting for an admin may not). */
  isAdmin(identity: { groups: string[]; actors?: unknown[] }): boolean {
    const admins = this.config.admin_groups ?? [];
    return (identity.actors?.length ?? 0) === 0 && identity.groups.some((g) => admins.includes(g));
  }

  /** Stops reading shared revocations and asking issuers about open sessions. */
  close(): void {
    this.revocations.close();
    this.verifier.issuerVerdicts.close();
  }

  /** Starts signing gateway tokens with a new key; the old key stays published while its tokens live. */
  rotateGatewayKey(): Promise<string> {
    return this.tokens.rotate();
  }

  /** What `portcullis login` needs to know about issuers for people. */
  loginIssuers(): LoginIssuer[] {
    return this.config.issuers
      .filter((i): i is IssuerConfig & { login: NonNullable<IssuerConfig["login"]> } => i.kind === "human" && i.login !== undefined)
      .map((i) => ({ name: i.name, issuer: i.issuer, client_id: i.login.client_id, scopes: i.login.scopes ?? [...DEFAULT_LOGIN_SCOPES] }));
  }
}
