import type { Actor, Identity } from "../policy/types.js";
import { reject, type Rejection } from "./rejection.js";

/** How many agents may stand between a person and a request when the config names no limit. */
export const DEFAULT_MAX_DELEGATION_DEPTH = 3;
/** However the config is set: a chain this long is a loop or an attack, not a deployment. */
export const MAX_DELEGATION_DEPTH = 10;

/**
 * One token in a delegation chain besides the one presented: which agent it named and what it takes to
 * tell whether it was revoked since (its id and issue time) or has expired.
 */
export interface ActorToken {
  actor: Actor;
  tokenId: string | undefined;
  issuedAt: number | undefined;
  expiresAt: number;
}

/**
 * The RFC 8693 §4.1 `act` claim for a chain (agent acting now last): the outermost `act` is the agent
 * acting now and each nested `act` the agent before it, as the RFC nests prior actors. Beside `sub` and
 * `iss` each level carries what the policy and revocation need later (kind, groups, claims, the actor
 * token's id, issue and expiry times), so a delegated token is decided and revoked without asking the
 * actor's issuer again.
 */
export function actClaim(chain: readonly ActorToken[]): Record<string, unknown> | undefined {
  let act: Record<string, unknown> | undefined;
  for (const link of chain) {
    const level: Record<string, unknown> = { sub: link.actor.subject, iss: link.actor.issuer, kind: link.actor.kind, groups: link.actor.groups, claims: link.actor.claims, exp: link.expiresAt };
    if (link.tokenId !== undefined) level.jti = link.tokenId;
    if (link.issuedAt !== undefined) level.iat = link.issuedAt;
    if (act) level.act = act;
    act = level;
  }
  return act;
}

/** Reads an `act` claim back into the chain (agent acting now last); anything malformed or deeper than `maxDepth` is refused. */
export function chainFromAct(act: unknown, maxDepth: number): { ok: true; chain: ActorToken[] } | Rejection {
  const outermostFirst: ActorToken[] = [];
  let level = act;
  while (level !== undefined) {
    if (outermostFirst.length >= maxDepth) return reject("delegation_too_deep", `the token's delegation chain is longer than ${maxDepth} agents`);
    if (!isRecord(level)) return reject("malformed", "act claim is not an object");
    const { sub, iss, kind, groups, claims, exp, jti, iat } = level;
    if (typeof sub !== "string" || sub === "" || typeof iss !== "string" || (kind !== "human" && kind !== "service") || typeof exp !== "number") {
      return reject("malformed", "an act level lacks sub, iss, kind or exp");
    }
    outermostFirst.push({
      actor: { subject: sub, issuer: iss, kind, groups: Array.isArray(groups) ? groups.filter((g): g is string => typeof g === "string") : [], claims: isRecord(claims) ? claims : {} },
      tokenId: typeof jti === "string" ? jti : undefined,
      issuedAt: typeof iat === "number" ? iat : undefined,
      expiresAt: exp,
    });
    level = level.act;
  }
  return { ok: true, chain: outermostFirst.reverse() };
}

/** The actor a verified identity becomes when it acts for someone else: who it is, never a chain of its own. */
export function actorOf(identity: Identity): Actor {
  return { subject: identity.subject, issuer: identity.issuer, groups: [...identity.groups], kind: identity.kind, claims: identity.claims };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
