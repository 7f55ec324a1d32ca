import { test } from "uvu";
import * as assert from "uvu/assert";
import { VERIFIED_TOKEN_SECONDS, VerifiedTokens } from "../../engine/identity/verified-tokens.js";
import type { VerifiedIdentity } from "../../engine/identity/verifier.js";

// A verified signature is reused for at most VERIFIED_TOKEN_SECONDS and never past the token's expiry.

const NOW = 1_800_000_000_000;
const verified = (expiresAt: number): VerifiedIdentity => ({
  ok: true,
  identity: { subject: "alice", issuer: "https://idp.test", groups: [], kind: "human", claims: {} },
  via: "gateway",
  issuerName: "gateway",
  expiresAt,
  issuedAt: undefined,
  tokenId: undefined,
  targets: undefined,
  actorTokens: [],
  derivedFrom: [],
  issuerChecks: [],
});

test("kept until the token expires, when that comes first", () => {
  const cache = new VerifiedTokens();
  cache.set("t", verified(NOW / 1000 + 5), NOW);
  assert.ok(cache.get("t", NOW + 4_999));
  assert.is(cache.get("t", NOW + 5_000), undefined);
  assert.is(cache.get("t", NOW + 4_000), undefined, "an expired entry is gone for good");
});

test("kept at most VERIFIED_TOKEN_SECONDS for a long-lived token; an expired token is never kept", () => {
  const cache = new VerifiedTokens();
  cache.set("t", verified(NOW / 1000 + 3600), NOW);
  assert.ok(cache.get("t", NOW + VERIFIED_TOKEN_SECONDS * 1000 - 1));
  assert.is(cache.get("t", NOW + VERIFIED_TOKEN_SECONDS * 1000), undefined);
  cache.set("old", verified(NOW / 1000 - 1), NOW);
  assert.is(cache.get("old", NOW), undefined);
  assert.is(cache.get("other", NOW), undefined);
});

test("bounded: the oldest entry goes first", () => {
  const cache = new VerifiedTokens();
  for (let i = 0; i <= 10_000; i++) cache.set(`t${i}`, verified(NOW / 1000 + 3600), NOW);
  assert.is(cache.get("t0", NOW), undefined);
  assert.ok(cache.get("t1", NOW));
  assert.ok(cache.get("t10000", NOW));
});

test.run();
