import { createRemoteJWKSet, type JWTVerifyGetKey } from "jose";
import * as oidc from "openid-client";
import type { IssuerConfig } from "./config.js";

/** How long a failed discovery is remembered before the issuer is asked again. */
const DISCOVERY_RETRY_MS = 10_000;
/** An unknown `kid` refetches the key set at most this often, so a flood of bad tokens cannot hammer the issuer. */
export const JWKS_COOLDOWN_MS = 30_000;

/**
 * One configured issuer: its discovered metadata (once, cached; a failure is retried after a pause) and
 * its key set (cached by jose; an unknown `kid` triggers at most one refetch per cooldown).
 */
export class TrustedIssuer {
  readonly config: IssuerConfig;
  private discovered: Promise<oidc.Configuration> | undefined;
  private failedAt = 0;
  private keys: JWTVerifyGetKey | undefined;

  constructor(config: IssuerConfig) {
    this.config = config;
  }

  /** openid-client's view of the issuer (discovery verified: the document's `issuer` must match). */
  async configuration(): Promise<oidc.Configuration> {
    if (!this.discovered) {
      if (Date.now() - this.failedAt < DISCOVERY_RETRY_MS) throw new Error(`discovery of ${this.config.issuer} failed recently`);
      const clientId = this.config.introspection?.client_id ?? this.config.login?.client_id ?? "portcullis-gateway";
      const secret = this.config.introspection?.client_secret;
      const options: oidc.DiscoveryRequestOptions = { timeout: 5 };
      // Plain http is only ever accepted for an issuer on this machine (tests and the demo).
      if (isLoopback(this.config.issuer)) options.execute = [oidc.allowInsecureRequests];
      this.discovered = oidc.discovery(new URL(this.config.issuer), clientId, secret, undefined, options);
      this.discovered.catch(() => {
        this.discovered = undefined;
        this.failedAt = Date.now();
      });
    }
    return this.discovered;
  }

  async keySet(): Promise<JWTVerifyGetKey> {
    if (this.keys) return this.keys;
    const uri = this.config.jwks_uri ?? (await this.configuration()).serverMetadata().jwks_uri;
    if (!uri) throw new Error(`${this.config.issuer} publishes no jwks_uri`);
    this.keys = createRemoteJWKSet(new URL(uri), { cooldownDuration: JWKS_COOLDOWN_MS, cacheMaxAge: 10 * 60_000, timeoutDuration: 5_000 });
    return this.keys;
  }
}

export function isLoopback(url: string): boolean {
  try {
    const host = new URL(url).hostname;
    return host === "localhost" || host === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(host);
  } catch {
    return false;
  }
}
