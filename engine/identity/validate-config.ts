import { DEFAULT_ALGORITHMS, DEFAULT_RECHECK_SECONDS, MAX_CLOCK_SKEW_SECONDS, type IdentityConfig, type IssuerConfig } from "./config.js";
import { isLoopback } from "./loopback.js";
import { MAX_DELEGATION_DEPTH } from "./delegation.js";
import { CodedError } from "../errors.js";

/** The identity section cannot be used as written; `path` names the offending key (`identity.issuers[1].audience`). */
export class IdentityConfigError extends CodedError<"IDENTITY_CONFIG_INVALID"> {
  readonly path: string;
  constructor(path: string, message: string) {
    super("IDENTITY_CONFIG_INVALID", `${path}: ${message}`);
    this.path = path;
  }
}

/**
 * Checks the identity section before anything trusts it. It comes from a YAML file, so every value is
 * checked for its type as well as its meaning; a mistake is refused at start-up rather than quietly
 * weakening verification (an HMAC algorithm, an http issuer, two entries claiming the same audience).
 */
export function validateIdentityConfig(config: IdentityConfig): void {
  if (!isRecord(config)) throw new IdentityConfigError("identity", "must be a mapping");
  if (!Array.isArray(config.issuers)) throw new IdentityConfigError("identity.issuers", "must be a list");
  const names = new Set<string>();
  const audiencesByIssuer = new Map<string, Set<string>>();
  config.issuers.forEach((entry, i) => {
    const at = `identity.issuers[${i}]`;
    validateIssuer(entry, at);
    if (names.has(entry.name)) throw new IdentityConfigError(`${at}.name`, `"${entry.name}" is used by another issuer`);
    names.add(entry.name);
    const taken = audiencesByIssuer.get(entry.issuer) ?? new Set<string>();
    for (const audience of audiencesOf(entry)) {
      if (taken.has(audience)) throw new IdentityConfigError(`${at}.audience`, `"${audience}" is already accepted by another entry for ${entry.issuer}; a token must match one entry only`);
      taken.add(audience);
    }
    audiencesByIssuer.set(entry.issuer, taken);
  });
  config.issuers.forEach((entry, i) => validateSessionRecheck(entry, `identity.issuers[${i}].session_recheck`, config.issuers));

  validateDelegation(config);
  const gateway: unknown = config.gateway_tokens;
  if (gateway === undefined) return;
  if (!isRecord(gateway)) throw new IdentityConfigError("identity.gateway_tokens", "must be a mapping");
  if (gateway.issuer !== undefined) {
    requireText(gateway.issuer, "identity.gateway_tokens.issuer");
    if (audiencesByIssuer.has(gateway.issuer as string)) throw new IdentityConfigError("identity.gateway_tokens.issuer", "must differ from every trusted issuer");
  }
  const ttl = optionalSeconds(gateway.ttl_seconds, "identity.gateway_tokens.ttl_seconds");
  const max = optionalSeconds(gateway.max_ttl_seconds, "identity.gateway_tokens.max_ttl_seconds");
  if (ttl !== undefined && max !== undefined && ttl > max) throw new IdentityConfigError("identity.gateway_tokens.ttl_seconds", `${ttl} is more than max_ttl_seconds (${max})`);
}

function validateDelegation(config: IdentityConfig): void {
  const admins: unknown = config.admin_groups;
  if (admins !== undefined && (!Array.isArray(admins) || !admins.every((g) => typeof g === "string" && g.length > 0))) {
    throw new IdentityConfigError("identity.admin_groups", "must be a list of group names");
  }
  const delegation: unknown = config.delegation;
  if (delegation === undefined) return;
  if (!isRecord(delegation)) throw new IdentityConfigError("identity.delegation", "must be a mapping");
  const depth = delegation.max_depth;
  if (depth !== undefined && (typeof depth !== "number" || !Number.isInteger(depth) || depth < 1 || depth > MAX_DELEGATION_DEPTH)) {
    throw new IdentityConfigError("identity.delegation.max_depth", `must be a whole number from 1 to ${MAX_DELEGATION_DEPTH}`);
  }
}

/**
 * Re-checking sessions asks the issuer by RFC 7662 introspection, so some entry of the same issuer URL
 * must carry introspection credentials; without them every re-check would fail and, after
 * max_unanswered_seconds, end every session: refused here instead.
 */
function validateSessionRecheck(entry: IssuerConfig, at: string, issuers: readonly IssuerConfig[]): void {
  const recheck: unknown = entry.session_recheck;
  if (recheck === undefined) return;
  if (!isRecord(recheck)) throw new IdentityConfigError(at, "must be a mapping");
  for (const key of Object.keys(recheck)) {
    if (key !== "every_seconds" && key !== "max_unanswered_seconds") throw new IdentityConfigError(`${at}.${key}`, "is not a known key (every_seconds, max_unanswered_seconds)");
  }
  const every = optionalSeconds(recheck.every_seconds, `${at}.every_seconds`);
  if (every !== undefined && every > 3600) throw new IdentityConfigError(`${at}.every_seconds`, "must be at most 3600");
  const unanswered = optionalSeconds(recheck.max_unanswered_seconds, `${at}.max_unanswered_seconds`);
  if (unanswered !== undefined && unanswered > 86_400) throw new IdentityConfigError(`${at}.max_unanswered_seconds`, "must be at most 86400");
  if (unanswered !== undefined && unanswered < (every ?? DEFAULT_RECHECK_SECONDS)) {
    throw new IdentityConfigError(`${at}.max_unanswered_seconds`, `${unanswered} is less than every_seconds (${every ?? DEFAULT_RECHECK_SECONDS}): sessions would end before the issuer was asked`);
  }
  if (!issuers.some((other) => other.issuer === entry.issuer && other.introspection !== undefined)) {
    throw new IdentityConfigError(at, `needs introspection credentials on an entry for ${entry.issuer}: re-checks are RFC 7662 introspection`);
  }
}

/** The audiences an entry accepts, as a list. */
export function audiencesOf(entry: IssuerConfig): string[] {
  return typeof entry.audience === "string" ? [entry.audience] : [...entry.audience];
}

function validateIssuer(entry: IssuerConfig, at: string): void {
  if (!isRecord(entry)) throw new IdentityConfigError(at, "must be a mapping");
  requireText(entry.name, `${at}.name`);
  if (entry.name === "gateway") throw new IdentityConfigError(`${at}.name`, `"gateway" is reserved for the gateway's own tokens`);
  requireUrl(entry.issuer, `${at}.issuer`);
  if (entry.kind !== "human" && entry.kind !== "service") throw new IdentityConfigError(`${at}.kind`, "must be human or service");
  const audiences: unknown = entry.audience;
  const list = typeof audiences === "string" ? [audiences] : audiences;
  if (!Array.isArray(list) || list.length === 0 || !list.every((a) => typeof a === "string" && a.length > 0)) {
    throw new IdentityConfigError(`${at}.audience`, "must be a non-empty string or a non-empty list of them");
  }
  if (entry.groups_claim !== undefined) requireText(entry.groups_claim, `${at}.groups_claim`);
  if (entry.subject_claim !== undefined) requireText(entry.subject_claim, `${at}.subject_claim`);
  if (entry.algorithms !== undefined) {
    const allowed: readonly string[] = DEFAULT_ALGORITHMS;
    if (!Array.isArray(entry.algorithms) || entry.algorithms.length === 0) throw new IdentityConfigError(`${at}.algorithms`, "must be a non-empty list");
    for (const alg of entry.algorithms) {
      if (!allowed.includes(alg)) throw new IdentityConfigError(`${at}.algorithms`, `"${String(alg)}" is not allowed; use asymmetric algorithms only (${allowed.join(", ")})`);
    }
  }
  const skew = entry.clock_skew_seconds;
  if (skew !== undefined && (!Number.isInteger(skew) || skew < 0 || skew > MAX_CLOCK_SKEW_SECONDS)) {
    throw new IdentityConfigError(`${at}.clock_skew_seconds`, `must be a whole number from 0 to ${MAX_CLOCK_SKEW_SECONDS}`);
  }
  const cooldown = entry.jwks_cooldown_seconds;
  if (cooldown !== undefined && (typeof cooldown !== "number" || !(cooldown >= 1 && cooldown <= 3600))) {
    throw new IdentityConfigError(`${at}.jwks_cooldown_seconds`, "must be from 1 to 3600");
  }
  if (entry.jwks_uri !== undefined) requireUrl(entry.jwks_uri, `${at}.jwks_uri`);
  if (entry.introspection !== undefined) {
    if (!isRecord(entry.introspection)) throw new IdentityConfigError(`${at}.introspection`, "must be a mapping");
    requireText(entry.introspection.client_id, `${at}.introspection.client_id`);
    requireText(entry.introspection.client_secret, `${at}.introspection.client_secret`);
    const method = entry.introspection.auth_method;
    if (method !== undefined && method !== "client_secret_basic" && method !== "client_secret_post") {
      throw new IdentityConfigError(`${at}.introspection.auth_method`, "must be client_secret_basic or client_secret_post");
    }
  }
  if (entry.login !== undefined) {
    if (entry.kind !== "human") throw new IdentityConfigError(`${at}.login`, "only issuers of kind human have people who log in");
    if (!isRecord(entry.login)) throw new IdentityConfigError(`${at}.login`, "must be a mapping");
    requireText(entry.login.client_id, `${at}.login.client_id`);
    const scopes: unknown = entry.login.scopes;
    if (scopes !== undefined && (!Array.isArray(scopes) || !scopes.every((s) => typeof s === "string" && s.length > 0))) {
      throw new IdentityConfigError(`${at}.login.scopes`, "must be a list of scope names");
    }
  }
}

/** Tokens travel to and from issuers over https; plain http is accepted for this machine only (tests, the demo). */
function requireUrl(value: unknown, at: string): void {
  requireText(value, at);
  let url: URL;
  try {
    url = new URL(value as string);
  } catch {
    throw new IdentityConfigError(at, `"${String(value)}" is not a URL`);
  }
  if (url.protocol !== "https:" && !(url.protocol === "http:" && isLoopback(url.href))) throw new IdentityConfigError(at, "must be an https URL (plain http only for loopback)");
  if (url.search || url.hash) throw new IdentityConfigError(at, "must not have a query or fragment");
}

function requireText(value: unknown, at: string): void {
  if (typeof value !== "string" || value.trim() === "") throw new IdentityConfigError(at, "must be a non-empty string");
}

function optionalSeconds(value: unknown, at: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1) throw new IdentityConfigError(at, "must be a whole number of seconds, at least 1");
  return value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
