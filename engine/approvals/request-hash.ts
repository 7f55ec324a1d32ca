import { createHash, randomBytes } from "node:crypto";
import type { RawRequest } from "../actions/index.js";
import { canonicalJson } from "../audit/canonical-json.js";
import type { Identity, Target } from "../policy/types.js";

/**
 * What an approval is bound to: who asked (issuer and subject), where (the target's name) and the exact
 * request text. Any other statement, identity or target hashes differently, so an approval cannot be
 * reused for it.
 */
export function requestHash(requester: Pick<Identity, "issuer" | "subject">, target: Pick<Target, "name">, request: RawRequest): string {
  const bound = { issuer: requester.issuer, subject: requester.subject, target: target.name, request };
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
