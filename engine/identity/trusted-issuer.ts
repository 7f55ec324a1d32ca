import type { JWTVerifyGetKey } from "jose";
import * as oidc from "openid-client";
import { DEFAULT_JWKS_COOLDOWN_SECONDS, type IssuerConfig } from "./config.js";
import { RemoteKeySet } from "./key-set.js";
import type { IssuerAnswer } from "./issuer-verdicts.js";
import { isLoopback } from "./loopback.js";
import { audiencesOf } from "./validate-config.js";

/** How long a failed discovery is remembered before the issuer is asked again. */
const DISCOVERY_RETRY_MS = 10_000;
const KEYS_MAX_AGE_MS = 10 * 60_000;
const REQUEST_TIMEOUT_SECONDS = 5;

/**
 * One trusted issuer URL and the configured entries that name it (one per audience: typically one for
 * people, one for workloads). Discovery happens once and is cached (a failure is retried after a
 * pause); the key set is shared by the entries; introspection uses the credentials of the entry that
 * configures it.
 */
export class TrustedIssuer {
  readonly issuer: string;
  readonly entries: readonly IssuerConfig[];
  private discovered: Promise<oidc.Configuration> | undefined;
  private failedAt = Number.NEGATIVE_INFINITY;
  private keys: RemoteKeySet | undefined;
  private readonly introspectors = new Map<string, oidc.Configuration>();

  constructor(issuer: string, entries: readonly IssuerConfig[]) {
    this.issuer = issuer;
    this.entries = entries;
  }

  /** The entry whose audience the token names; the first entry when none does (verification then reports the audience). */
  entryFor(aud: unknown): IssuerConfig {
    const named = ([] as unknown[]).concat(aud ?? []).filter((a): a is string => typeof a === "string");
    return this.entries.find((e) => audiencesOf(e).some((a) => named.includes(a))) ?? this.entries[0]!;
  }

  /** openid-client's view of the issuer (discovery checks that the document's `issuer` is this one). */
  configuration(): Promise<oidc.Configuration> {
    if (!this.discovered) {
      if (Date.now() - this.failedAt < DISCOVERY_RETRY_MS) return Promise.reject(new Error(`discovery of ${this.issuer} failed recently; not asking again yet`));
      const options: oidc.DiscoveryRequestOptions = { timeout: REQUEST_TIMEOUT_SECONDS };
      if (isLoopback(this.issuer)) options.execute = [oidc.allowInsecureRequests];
      const discovered = oidc.discovery(new URL(this.issuer), "portcullis-gateway", undefined, oidc.None(), options);
      discovered.catch(() => {
        this.discovered = undefined;
        this.failedAt = Date.now();
      });
      this.discovered = discovered;
    }
    return this.discovered;
  }

  async keySet(): Promise<JWTVerifyGetKey> {
    if (!this.keys) {
      const configured = this.entries.find((e) => e.jwks_uri)?.jwks_uri;
      const uri = configured ?? (await this.configuration()).serverMetadata().jwks_uri;
      if (!uri) throw new Error(`${this.issuer} publishes no jwks_uri`);
      const cooldown = Math.min(...this.entries.map((e) => e.jwks_cooldown_seconds ?? DEFAULT_JWKS_COOLDOWN_SECONDS));
      this.keys ??= new RemoteKeySet(new URL(uri), { cooldownMs: cooldown * 1000, maxAgeMs: KEYS_MAX_AGE_MS, timeoutMs: REQUEST_TIMEOUT_SECONDS * 1000 });
    }
    return this.keys.getKey;
  }

  /** The entries that may introspect opaque tokens here. */
  introspectingEntries(): IssuerConfig[] {
    return this.entries.filter((e) => e.introspection);
  }

  /**
   * Asks again whether `token` still stands (a live session's re-check): RFC 7662 with the credentials
   * of the first entry that has them. oidc-provider (and others) refuse to introspect JWTs with
   * `unsupported_token_type`: that is an answer (it cannot say), not an outage. Throws when the issuer
   * cannot be asked.
   */
  async recheck(token: string): Promise<IssuerAnswer> {
    const entry = this.introspectingEntries()[0];
    if (!entry) throw new Error(`no entry for ${this.issuer} has introspection credentials`);
    try {
      const answer = await this.introspect(entry, token);
      return answer.active === true ? "active" : "inactive";
    } catch (error) {
      if (error instanceof oidc.ResponseBodyError && error.error === "unsupported_token_type") return "unsupported";
      throw error;
    }
  }

  /** RFC 7662 at this issuer with `entry`'s client credentials. */
  async introspect(entry: IssuerConfig, token: string): Promise<oidc.IntrospectionResponse> {
    const credentials = entry.introspection;
    if (!credentials) throw new Error(`${entry.name} has no introspection credentials`);
    let config = this.introspectors.get(entry.name);
    if (!config) {
      const metadata = (await this.configuration()).serverMetadata();
      const auth = credentials.auth_method === "client_secret_post" ? oidc.ClientSecretPost(credentials.client_secret) : oidc.ClientSecretBasic(credentials.client_secret);
      config = new oidc.Configuration(metadata, credentials.client_id, credentials.client_secret, auth);
      config.timeout = REQUEST_TIMEOUT_SECONDS;
      if (isLoopback(this.issuer)) oidc.allowInsecureRequests(config);
      this.introspectors.set(entry.name, config);
    }
    return oidc.tokenIntrospection(config, token);
  }
}
