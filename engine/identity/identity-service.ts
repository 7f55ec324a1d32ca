import { join } from "node:path";
import type { IdentityConfig, IssuerConfig } from "./config.js";
import { GatewayTokens, type IssuedToken } from "./gateway-tokens.js";
import { Revocations } from "./revocations.js";
import { IdentityVerifier, type VerifiedIdentity, type VerifyResult } from "./verifier.js";
import type { Rejection } from "./rejection.js";

export interface IdentityServiceOptions {
  /** Where the gateway keeps its signing keys and revocations; in memory only when absent. */
  stateDir?: string;
}

export interface ExchangeOptions {
  targets?: string[];
  ttlSeconds?: number;
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

  private constructor(config: IdentityConfig, tokens: GatewayTokens, revocations: Revocations) {
    this.config = config;
    this.tokens = tokens;
    this.revocations = revocations;
    this.verifier = new IdentityVerifier(config, tokens, revocations);
  }

  static async create(config: IdentityConfig, options: IdentityServiceOptions = {}): Promise<IdentityService> {
    const tokens = await GatewayTokens.create(config.gateway_tokens, options.stateDir ? join(options.stateDir, "gateway-keys.json") : undefined);
    const revocations = new Revocations(options.stateDir ? join(options.stateDir, "revocations.json") : undefined);
    return new IdentityService(config, tokens, revocations);
  }

  verify(token: string, options: { target?: string } = {}): Promise<VerifyResult> {
    return this.verifier.verify(token, options);
  }

  /**
   * Exchanges a token from a trusted issuer for a gateway token. A gateway token cannot be exchanged
   * for another (that would let a token outlive its own expiry or widen its target scope).
   */
  async exchange(subjectToken: string, options: ExchangeOptions = {}): Promise<{ ok: true; issued: IssuedToken; verified: VerifiedIdentity } | Rejection> {
    const verified = await this.verify(subjectToken);
    if (!verified.ok) return verified;
    if (verified.via === "gateway") return { ok: false, code: "malformed", detail: "a gateway token cannot be exchanged for another" };
    const issueOptions: { ttlSeconds?: number; targets?: string[] } = {};
    if (options.ttlSeconds !== undefined) issueOptions.ttlSeconds = options.ttlSeconds;
    if (options.targets) issueOptions.targets = options.targets;
    const issued = await this.tokens.issue(verified.identity, issueOptions);
    return { ok: true, issued, verified };
  }

  /** What `portcullis login` needs to know about issuers for people: public, no secrets. */
  loginIssuers(): Array<{ name: string; issuer: string; client_id: string; scopes: string[] }> {
    return this.config.issuers
      .filter((i): i is IssuerConfig & { login: NonNullable<IssuerConfig["login"]> } => i.kind === "human" && i.login !== undefined)
      .map((i) => ({ name: i.name, issuer: i.issuer, client_id: i.login.client_id, scopes: i.login.scopes ?? ["openid", "profile", "email", "groups", "offline_access"] }));
  }
}
