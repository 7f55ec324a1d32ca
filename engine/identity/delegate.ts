import { actorOf, type ActorToken } from "./delegation.js";
import { reject, type Rejection } from "./rejection.js";
import type { Identity } from "../policy/types.js";
import type { VerifiedIdentity, VerifyResult } from "./verifier.js";

/** What a delegated gateway token will say, once both tokens were verified. */
export interface DelegationPlan {
  ok: true;
  /** The subject, with the extended chain under `actors`. */
  identity: Identity;
  actors: ActorToken[];
  /** The subject's token and every token it was exchanged from. */
  derivedFrom: string[];
  targets: string[] | undefined;
  /** The new token may live no longer than this: the shortest-lived token in the chain. */
  remainingSeconds: number;
}

/**
 * RFC 8693 delegation: the subject token (a person's IdP token, or a gateway token that may already be
 * delegated) and the actor token (the agent's own workload token) become one chain, agent acting now
 * last. The actor must be proven by a trusted issuer (a gateway token names no workload of its own),
 * the chain may not grow past `maxDepth`, a subject token scoped to targets keeps the new one within
 * them, and the new token expires no later than any token in the chain. Both tokens were verified in full
 * (signature, expiry, revocation) before this is asked.
 */
export function delegate(subject: VerifiedIdentity, actor: VerifyResult, options: { maxDepth: number; targets?: string[]; now?: number }): DelegationPlan | Rejection {
  if (!actor.ok) return reject(actor.code, `actor token: ${actor.detail}`);
  if (actor.via === "gateway") return reject("invalid_actor", "an actor token must come from a trusted issuer: a gateway token names no agent of its own");
  const chain: ActorToken[] = [...subject.actorTokens, { actor: actorOf(actor.identity), tokenId: actor.tokenId, issuedAt: actor.issuedAt, expiresAt: actor.expiresAt }];
  if (chain.length > options.maxDepth) return reject("delegation_too_deep", `${chain.length} agents would act for ${subject.identity.subject}; at most ${options.maxDepth} may`);
  let targets = subject.targets;
  if (options.targets) {
    const outside = subject.targets ? options.targets.filter((t) => !subject.targets!.includes(t)) : [];
    if (outside.length > 0) return reject("not_scoped_for_target", `the subject token is scoped to ${subject.targets!.join(", ")}, not ${outside.join(", ")}`);
    targets = options.targets;
  }
  const expiresAt = Math.min(subject.expiresAt, ...chain.map((link) => link.expiresAt));
  const remainingSeconds = expiresAt - Math.floor((options.now ?? Date.now()) / 1000);
  if (remainingSeconds < 1) return reject("expired", `a token in the chain expires at ${new Date(expiresAt * 1000).toISOString()}`);
  const derivedFrom = [...subject.derivedFrom, ...(subject.tokenId !== undefined ? [subject.tokenId] : [])];
  return { ok: true, identity: { ...subject.identity, actors: chain.map((link) => link.actor) }, actors: chain, derivedFrom, targets, remainingSeconds };
}
