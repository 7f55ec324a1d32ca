import { createHash, randomBytes } from "node:crypto";
import type { RawRequest } from "../actions/index.js";
import { canonicalJson } from "../audit/canonical-json.js";
import type { Identity, Target } from "../policy/types.js";

/**
 * What an approval is bound to: who asked (issuer and subject, and the agents acting for them), where
 * (the target's name) and the exact request text. Any other statement, identity, chain of agents or
 * target hashes differently, so an approval cannot be reused for it: a ticket granted to a person's
 * agent is not one for the person, nor for another agent.
 */
export function requestHash(requester: Pick<Identity, "issuer" | "subject" | "actors">, target: Pick<Target, "name">, request: RawRequest): string {
  // Without agents the bound document is as it always was, so hashes of earlier approvals still match.
  const actors = requester.actors?.map((a) => ({ issuer: a.issuer, subject: a.subject }));
  const bound = { issuer: requester.issuer, subject: requester.subject, target: target.name, request, ...(actors && actors.length > 0 ? { actors } : {}) };
  return createHash("sha256").update(canonicalJson(bound)).digest("hex");
}

const BASE32 = "abcdefghijklmnopqrstuvwxyz234567";

/** "apr_" and 10 random base32 characters (50 bits): typed by people in `portcullis approvals approve ID`. */
export function newApprovalId(): string {
  const bytes = randomBytes(10);
  let id = "apr_";
  for (const byte of bytes) id += BASE32[byte & 31];
  return id;
}
