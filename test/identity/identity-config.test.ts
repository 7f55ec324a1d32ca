import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { IdentityConfigError, IdentityService, type IdentityConfig, type IssuerConfig } from "../../engine/identity/index.js";

/**
 * The identity section as the config loader hands it over (snake_case, straight from YAML): mistakes
 * that would weaken verification are refused at start-up, naming the key; the state it keeps survives
 * a restart.
 */
const PEOPLE: IssuerConfig = { name: "people", issuer: "https://idp.example.com", audience: "portcullis-cli", kind: "human", groups_claim: "groups" };
const GW = { client_id: "portcullis-gateway", client_secret: "s" };
const CI: IssuerConfig = { name: "github", issuer: "https://token.actions.githubusercontent.com", audience: "portcullis", kind: "service" };

async function refusal(config: unknown): Promise<IdentityConfigError> {
  try {
    await IdentityService.create(config as IdentityConfig);
  } catch (error) {
    assert.instance(error, IdentityConfigError);
    return error as IdentityConfigError;
  }
  throw new assert.Assertion({ message: `accepted: ${JSON.stringify(config)}`, generated: false, operator: "throws", expects: true, actual: false });
}

test("a sound configuration with people and workloads is accepted, and people's issuers are offered for login", async () => {
  const service = await IdentityService.create({
    issuers: [
      // Re-checking people's sessions may use the introspection credentials of another entry of the same issuer.
      { ...PEOPLE, login: { client_id: "portcullis-cli" }, session_recheck: { every_seconds: 30, max_unanswered_seconds: 120 } },
      { ...PEOPLE, name: "people-machines", audience: "portcullis", kind: "service", introspection: GW },
      CI,
    ],
    gateway_tokens: { ttl_seconds: 600, max_ttl_seconds: 3600 },
  });
  assert.equal(service.loginIssuers(), [{ name: "people", issuer: PEOPLE.issuer, client_id: "portcullis-cli", scopes: ["openid", "profile", "email", "groups", "offline_access"] }]);
  assert.is(service.tokens.ttlSeconds, 600);
});

test("each dangerous or meaningless setting is refused with the key that holds it", async () => {
  const cases: Array<[string, unknown, string, RegExp]> = [
    ["not a mapping", "issuers", "identity", /mapping/],
    ["no issuer list", {}, "identity.issuers", /list/],
    ["plain http issuer", { issuers: [{ ...PEOPLE, issuer: "http://idp.example.com" }] }, "identity.issuers[0].issuer", /https/],
    ["issuer with a query", { issuers: [{ ...PEOPLE, issuer: "https://idp.example.com/?tenant=1" }] }, "identity.issuers[0].issuer", /query/],
    ["HMAC algorithm", { issuers: [{ ...PEOPLE, algorithms: ["RS256", "HS256"] }] }, "identity.issuers[0].algorithms", /HS256.*asymmetric/],
    ["alg none", { issuers: [{ ...PEOPLE, algorithms: ["none"] }] }, "identity.issuers[0].algorithms", /none/],
    ["unknown kind", { issuers: [{ ...PEOPLE, kind: "robot" }] }, "identity.issuers[0].kind", /human or service/],
    ["empty audience", { issuers: [{ ...PEOPLE, audience: [] }] }, "identity.issuers[0].audience", /non-empty/],
    ["skew too large", { issuers: [{ ...PEOPLE, clock_skew_seconds: 3600 }] }, "identity.issuers[0].clock_skew_seconds", /0 to 300/],
    ["duplicate name", { issuers: [PEOPLE, { ...CI, name: "people" }] }, "identity.issuers[1].name", /used by another/],
    ["reserved name", { issuers: [{ ...PEOPLE, name: "gateway" }] }, "identity.issuers[0].name", /reserved/],
    ["same issuer and audience twice", { issuers: [PEOPLE, { ...PEOPLE, name: "again", kind: "service" }] }, "identity.issuers[1].audience", /already accepted/],
    ["login on a service issuer", { issuers: [{ ...CI, login: { client_id: "x" } }] }, "identity.issuers[0].login", /human/],
    ["introspection without a secret", { issuers: [{ ...PEOPLE, introspection: { client_id: "gw" } }] }, "identity.issuers[0].introspection.client_secret", /non-empty/],
    ["session_recheck without introspection credentials", { issuers: [{ ...PEOPLE, session_recheck: {} }] }, "identity.issuers[0].session_recheck", /introspection credentials/],
    ["session_recheck too rarely", { issuers: [{ ...PEOPLE, introspection: GW, session_recheck: { every_seconds: 7200 } }] }, "identity.issuers[0].session_recheck.every_seconds", /at most 3600/],
    ["session_recheck giving up before asking", { issuers: [{ ...PEOPLE, introspection: GW, session_recheck: { every_seconds: 60, max_unanswered_seconds: 30 } }] }, "identity.issuers[0].session_recheck.max_unanswered_seconds", /less than every_seconds/],
    ["session_recheck with an unknown key", { issuers: [{ ...PEOPLE, introspection: GW, session_recheck: { every: 5 } }] }, "identity.issuers[0].session_recheck.every", /not a known key/],
    ["ttl above its cap", { issuers: [PEOPLE], gateway_tokens: { ttl_seconds: 7200, max_ttl_seconds: 3600 } }, "identity.gateway_tokens.ttl_seconds", /more than max_ttl_seconds/],
    ["gateway issuer equal to a trusted issuer", { issuers: [PEOPLE], gateway_tokens: { issuer: PEOPLE.issuer } }, "identity.gateway_tokens.issuer", /differ/],
  ];
  for (const [name, config, path, message] of cases) {
    const error = await refusal(config);
    assert.is(error.path, path, name);
    assert.match(error.message, message, name);
  }
});

test("the gateway's signing keys and revocations persist in the state directory, private to the gateway", async () => {
  const stateDir = mkdtempSync(join(tmpdir(), "portcullis-identity-state-"));
  try {
    const first = await IdentityService.create({ issuers: [CI] }, { stateDir });
    const kid = first.tokens.jwks().keys[0]!.kid;
    const issued = await first.tokens.issue({ subject: "repo:acme/shop:ref:refs/heads/main", issuer: CI.issuer, groups: [], kind: "service", claims: { ref: "refs/heads/main" } });
    first.revokeToken(issued.jti, issued.expires_at);
    for (const file of ["gateway-keys.json", "revocations.json"]) assert.is(statSync(join(stateDir, file)).mode & 0o777, 0o600, file);

    const restarted = await IdentityService.create({ issuers: [CI] }, { stateDir });
    assert.is(restarted.tokens.jwks().keys[0]!.kid, kid, "the same key after a restart");
    const result = await restarted.verify(issued.token);
    assert.is(result.ok ? "accepted" : result.code, "revoked", "the revocation survived the restart");
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }
});

test.run();
