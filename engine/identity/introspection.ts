import type { JWTPayload } from "jose";
import { messageOf } from "../errors.js";
import { DEFAULT_CLOCK_SKEW_SECONDS, type IssuerConfig } from "./config.js";
import { reject, type Rejection } from "./rejection.js";
import type { TrustedIssuer } from "./trusted-issuer.js";
import { audiencesOf } from "./validate-config.js";

/**
 * RFC 7662: an opaque token is shown to each issuer configured for introspection, in configuration
 * order, until one calls it active. The answer must be for us: its `aud` (or, when it names none, the
 * `client_id` it was issued to, as for a person's login client) must be an entry's audience.
 */
export async function introspect(issuers: readonly TrustedIssuer[], token: string): Promise<{ ok: true; entry: IssuerConfig; payload: JWTPayload } | Rejection> {
  const candidates = issuers.filter((i) => i.introspectingEntries().length > 0);
  if (candidates.length === 0) return reject("malformed", "not a JWT, and no issuer is configured for introspection");
  const failures: string[] = [];
  for (const trusted of candidates) {
    let answer: Record<string, unknown>;
    try {
      answer = (await trusted.introspect(trusted.introspectingEntries()[0]!, token)) as Record<string, unknown>;
    } catch (error) {
      failures.push(`${trusted.issuer}: ${messageOf(error)}`);
      continue;
    }
    if (answer.active !== true) continue;
    if (answer.iss !== undefined && answer.iss !== trusted.issuer) return reject("wrong_audience", `introspection at ${trusted.issuer} answered for issuer ${String(answer.iss)}`);
    const named = ([] as unknown[]).concat(answer.aud ?? answer.client_id ?? []).filter((a): a is string => typeof a === "string");
    const entry = trusted.entries.find((e) => audiencesOf(e).some((a) => named.includes(a)));
    if (!entry) return reject("wrong_audience", `introspected token is for ${named.join(", ") || "no audience"}, not this gateway`);
    if (typeof answer.sub !== "string" || typeof answer.exp !== "number") return reject("missing_claim", "introspection did not return sub and exp");
    const skew = entry.clock_skew_seconds ?? DEFAULT_CLOCK_SKEW_SECONDS;
    if (answer.exp + skew < Math.floor(Date.now() / 1000)) return reject("expired", `introspected token expired at ${new Date(answer.exp * 1000).toISOString()}`);
    return { ok: true, entry, payload: answer as JWTPayload };
  }
  if (failures.length > 0) return reject("issuer_unavailable", `introspection failed: ${failures.join("; ")}`);
  return reject("inactive", "no issuer reports the token as active");
}
