/**
 * How Portcullis trusts identity providers. Mirrors the `identity` section of schemas/config.json.
 */
export interface IssuerConfig {
  /** Short name used by `portcullis login --issuer NAME` and in audit records. */
  name: string;
  /** The issuer URL exactly as tokens carry it in `iss`; discovery is `<issuer>/.well-known/openid-configuration`. */
  issuer: string;
  /** Accepted `aud` values; a token must carry at least one. */
  audience: string | string[];
  /** Every identity from this issuer is a person (`human`) or a workload (`service`). */
  kind: "human" | "service";
  /** Dotted path of the claim holding groups (`groups`, `roles`, `realm_access.roles`); an array or a space-separated string. */
  groups_claim?: string;
  /** Claim naming the subject (default `sub`). */
  subject_claim?: string;
  /** Signature algorithms accepted (default: RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA). Never `none` or HMAC. */
  algorithms?: string[];
  /** Tolerated clock difference for exp, nbf and iat (default 60, at most 300). */
  clock_skew_seconds?: number;
  /** Skip discovery and use this key set URL. */
  jwks_uri?: string;
  /**
   * A token signed with a key id the cached key set lacks makes Portcullis fetch the issuer's keys
   * again, at most once per this many seconds (default 30), so a flood of tokens with made-up key ids
   * cannot hammer the issuer. Entries sharing an issuer URL share one key set and the shortest value.
   */
  jwks_cooldown_seconds?: number;
  /** For opaque (non-JWT) tokens: RFC 7662 introspection with these client credentials. */
  introspection?: {
    client_id: string;
    client_secret: string;
    /** How the client authenticates to the introspection endpoint (default `client_secret_basic`). */
    auth_method?: "client_secret_basic" | "client_secret_post";
  };
  /** The public client `portcullis login` uses for this issuer (humans). */
  login?: { client_id: string; scopes?: string[] };
  /**
   * Opt-in: ask this issuer again, while a session opened with one of its tokens is open, whether the
   * token still stands (RFC 7662 introspection with an entry's `introspection` credentials), so an
   * account removed at the issuer ends its open sessions. See engine/identity/issuer-verdicts.ts.
   */
  session_recheck?: SessionRecheckConfig;
}

export interface SessionRecheckConfig {
  /** How often each open session's token is introspected again (default 30; one request per token, however many sessions share it). */
  every_seconds?: number;
  /**
   * How long sessions stay open while the issuer cannot be asked (unreachable, an error, a timeout)
   * before they end anyway (default 4 × every_seconds): an outage is not proof the account is gone,
   * but nor can it keep a removed account's sessions open for ever.
   */
  max_unanswered_seconds?: number;
}

export interface GatewayTokenConfig {
  /** The `iss` of gateway tokens (default `portcullis`). */
  issuer?: string;
  /** Lifetime of a gateway token when neither the request nor policy asks for less (default 900). */
  ttl_seconds?: number;
  /** Upper bound on any requested lifetime (default 3600). */
  max_ttl_seconds?: number;
}

/**
 * Several entries may name the same issuer URL with disjoint audiences: one provider that signs both
 * people's id tokens (audience: the login client) and workloads' access tokens (audience: the gateway)
 * is then two entries, one `human` and one `service`. A token is matched to the entry its `aud` names.
 */
export interface IdentityConfig {
  issuers: IssuerConfig[];
  gateway_tokens?: GatewayTokenConfig;
  /** Agents acting for people (RFC 8693 token exchange with an actor_token). */
  delegation?: DelegationConfig;
  /** Members of these groups may revoke subjects and tokens (POST /v1/revocations, `portcullis revoke`). */
  admin_groups?: string[];
}

export interface DelegationConfig {
  /** The most agents between a person and a request (default 3, at most 10): a person's agent is 1, the agent it launched 2. */
  max_depth?: number;
}

/** What a verifier accepts when an issuer names none: asymmetric signatures only. */
export const DEFAULT_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"] as const;
export const MAX_TOKEN_BYTES = 16 * 1024;
export const DEFAULT_CLOCK_SKEW_SECONDS = 60;
export const MAX_CLOCK_SKEW_SECONDS = 300;
export const DEFAULT_JWKS_COOLDOWN_SECONDS = 30;
export const DEFAULT_RECHECK_SECONDS = 30;
/** max_unanswered_seconds, when not set, is this many re-check intervals. */
export const DEFAULT_UNANSWERED_INTERVALS = 4;
export const DEFAULT_LOGIN_SCOPES = ["openid", "profile", "email", "groups", "offline_access"];
