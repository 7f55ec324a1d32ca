import { decodeJwt, decodeProtectedHeader } from "jose";
import * as oidc from "openid-client";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { IdentityService, type IdentityConfig, type Rejection, type RejectionCode, type VerifyResult } from "../../engine/identity/index.js";
import { check } from "../../engine/schemas.js";
import { DEFAULT_MACHINES, startIdentityProvider, type RunningIdentityProvider } from "../../proxy/demo/identity-provider.js";
import { deviceLogin } from "../support/device-login.js";
import { forge, hmacWithPublicKey, now, strangerKey, tampered, unsigned } from "./forge.js";

/**
 * Every way a presented token can be wrong, each refused with its precise reason, against the real demo
 * provider on loopback; and the right tokens, whose identity is exactly what a policy sees.
 */
let idp: RunningIdentityProvider;
let other: RunningIdentityProvider;
let service: IdentityService;

const POD = { namespace: "payments", serviceaccount: { name: "deployer", uid: "5d3c" }, pod: { name: "deployer-7c9", uid: "a1b2" } };

function demoConfig(): IdentityConfig {
  return {
    issuers: [
      {
        name: "demo-people",
        issuer: idp.issuer,
        audience: idp.humanClientId,
        kind: "human",
        groups_claim: "groups",
        introspection: { client_id: idp.gatewayClient.id, client_secret: idp.gatewayClient.secret },
        login: { client_id: idp.humanClientId },
      },
      // One second between key set refreshes keeps this file quick; the default is 30.
      { name: "demo-ci", issuer: idp.issuer, audience: idp.audience, kind: "service", groups_claim: "groups", jwks_cooldown_seconds: 1 },
      { name: "other-ci", issuer: other.issuer, audience: other.audience, kind: "service", groups_claim: "groups" },
    ],
  };
}

test.before(async () => {
  const podMachine = { clientId: "payments-deployer", clientSecret: "payments-deployer-secret", groups: [], claims: { "kubernetes.io": POD, realm_access: { roles: ["reader", "deployer"] } } };
  idp = await startIdentityProvider({ devicePollIntervalSeconds: 1, machines: [...DEFAULT_MACHINES.map((m) => ({ ...m })), podMachine] });
  other = await startIdentityProvider({ machines: [{ clientId: "ci-deploy", clientSecret: "other-secret", groups: ["elsewhere"], claims: { project_path: "acme/shop", ref: "main", ref_type: "branch" } }] });
  service = await IdentityService.create(demoConfig());
});
test.after(async () => {
  await idp.close();
  await other.close();
});

async function machineToken(provider: RunningIdentityProvider, clientId = provider.machineClient.id, secret = provider.machineClient.secret): Promise<string> {
  const config = await oidc.discovery(new URL(provider.issuer), clientId, secret, oidc.ClientSecretBasic(secret), { execute: [oidc.allowInsecureRequests] });
  return (await oidc.clientCredentialsGrant(config)).access_token;
}

function expectRejected(result: { ok: true } | Rejection, code: RejectionCode, detail?: RegExp): void {
  if (result.ok) assert.unreachable(`expected ${code}, but the token was accepted`);
  else {
    assert.is(result.code, code, `${code} expected, got ${result.code}: ${result.detail}`);
    if (detail) assert.match(result.detail, detail);
  }
}

function expectVerified(result: VerifyResult): Extract<VerifyResult, { ok: true }> {
  if (!result.ok) throw new assert.Assertion({ message: `expected the token to verify, got ${result.code}: ${result.detail}`, generated: false, operator: "ok", expects: true, actual: false });
  return result;
}

/** The identity must be accepted as `input.identity` by schemas/input.json, exactly as it is. */
function assertPolicyIdentity(identity: unknown): void {
  const problem = check("input.json", {
    identity,
    session: { id: "s-1", protocol: "postgres", client_addr: "127.0.0.1", started_at: new Date().toISOString() },
    target: { name: "prod-db", type: "postgres", tags: {} },
    // The smallest complete action document (a non-resource GET): only the identity is under test.
    action: { kind: "kubernetes", method: "GET", path: "/version", resource_request: false, verb: "get", api_prefix: "", group: "", version: "", resource: "", subresource: "", namespace: "", name: "", label_selector: "", field_selector: "", dry_run: false },
  });
  assert.is(problem, null, `input.identity does not match schemas/input.json: ${problem}`);
}

test("a person's id token verifies; the identity is exactly the policy input's identity", async () => {
  const tokens = await deviceLogin(idp.issuer, idp.humanClientId, idp.humanScopes, "bob");
  const verified = expectVerified(await service.verify(tokens.id_token!));
  assert.is(verified.via, "idp");
  assert.is(verified.issuerName, "demo-people");
  assert.equal(verified.identity, {
    subject: "bob",
    issuer: idp.issuer,
    groups: ["engineering", "oncall"],
    kind: "human",
    claims: { iss: idp.issuer, sub: "bob", email: "bob@example.com", email_verified: true, name: "Bob Baker", preferred_username: "bob", groups: ["engineering", "oncall"] },
  });
  assertPolicyIdentity(verified.identity);
  assert.is(verified.expiresAt, decodeJwt(tokens.id_token!).exp);
});

test("a workload's access token verifies as a service, its CI claims under claims", async () => {
  const verified = expectVerified(await service.verify(await machineToken(idp)));
  assert.is(verified.issuerName, "demo-ci");
  assert.equal(verified.identity, {
    subject: "ci-deploy",
    issuer: idp.issuer,
    groups: ["ci", "deployers"],
    kind: "service",
    claims: {
      iss: idp.issuer,
      sub: "ci-deploy",
      groups: ["ci", "deployers"],
      repository: "acme/shop",
      ref: "refs/heads/main",
      workflow: "deploy",
      job_workflow_ref: "acme/shop/.github/workflows/deploy.yml@refs/heads/main",
      repository_owner: "acme",
      event_name: "push",
    },
  });
  assertPolicyIdentity(verified.identity);
});

test("the groups claim path is configurable (realm_access.roles); nested claims such as kubernetes.io arrive as they are", async () => {
  const token = await machineToken(idp, "payments-deployer", "payments-deployer-secret");
  const flat = expectVerified(await service.verify(token));
  assert.equal(flat.identity.groups, [], "groups_claim: groups finds none in this token");
  const config = demoConfig();
  config.issuers[1]!.groups_claim = "realm_access.roles";
  const nested = await IdentityService.create(config);
  const verified = expectVerified(await nested.verify(token));
  assert.equal(verified.identity.groups, ["reader", "deployer"]);
  assert.equal(verified.identity.claims["kubernetes.io"], POD);
  assert.equal(verified.identity.claims.realm_access, { roles: ["reader", "deployer"] });
  assertPolicyIdentity(verified.identity);
});

test("an opaque access token is verified by RFC 7662 introspection at its issuer", async () => {
  const tokens = await deviceLogin(idp.issuer, idp.humanClientId, idp.humanScopes, "dana");
  assert.is(tokens.access_token.split(".").length, 1, "the person's access token is opaque");
  const before = idp.requestCount("/token/introspection");
  const verified = expectVerified(await service.verify(tokens.access_token));
  assert.is(idp.requestCount("/token/introspection"), before + 1);
  assert.is(verified.issuerName, "demo-people", "matched by the client it was issued to");
  assert.is(verified.identity.subject, "dana");
  assert.is(verified.identity.kind, "human");
  assert.equal(verified.identity.groups, ["dba", "pii-readers"]);
  assert.is(verified.identity.claims.active, undefined, "introspection bookkeeping is not an identity claim");
  assertPolicyIdentity(verified.identity);
  expectRejected(await service.verify("bm90LWEtcmVhbC10b2tlbi1hdC1hbGwtMTIzNDU2Nzg5MA"), "inactive");
  const withoutIntrospection = await IdentityService.create({ issuers: [demoConfig().issuers[1]!] });
  expectRejected(await withoutIntrospection.verify(tokens.access_token), "malformed", /no issuer is configured for introspection/);
});

test("two issuers at once: each token verifies at its own issuer, and one issuer's key cannot speak for the other", async () => {
  const here = expectVerified(await service.verify(await machineToken(idp)));
  const there = expectVerified(await service.verify(await machineToken(other)));
  assert.is(here.identity.subject, there.identity.subject, "the same client id at both");
  assert.is(here.identity.issuer, idp.issuer);
  assert.is(there.identity.issuer, other.issuer);
  assert.is(there.issuerName, "other-ci");
  assert.equal(there.identity.groups, ["elsewhere"]);
  assert.is(there.identity.claims.project_path, "acme/shop");
  // Claims to come from the first issuer, under its key id, but signed with the second issuer's real key.
  expectRejected(await service.verify(await forge(idp, {}, { key: other.signingKey.privateKey })), "bad_signature");
  expectRejected(await service.verify(await forge(idp, { iss: other.issuer })), "unknown_key", /no applicable key|matching/i);
});

test("each bad token is refused with its precise reason (the unaltered forgery is the control)", async () => {
  expectVerified(await service.verify(await forge(idp)));
  const t = now();
  const stranger = await strangerKey();
  const realToken = await machineToken(idp);
  const cases: Array<[string, string | Promise<string>, RejectionCode, RegExp?]> = [
    ["expired", forge(idp, { iat: t - 7200, exp: t - 3600 }), "expired"],
    ["expired beyond the 60 s skew", forge(idp, { exp: t - 90 }), "expired"],
    ["not yet valid", forge(idp, { nbf: t + 600 }), "not_yet_valid"],
    ["issued in the future", forge(idp, { iat: t + 600, exp: t + 1200 }), "issued_in_future"],
    ["unknown issuer", forge(idp, { iss: "https://idp.unknown.example" }), "unknown_issuer"],
    ["wrong audience", forge(idp, { aud: "some-other-service" }), "wrong_audience"],
    ["no audience", forge(idp, { aud: null }), "missing_claim"],
    ["no subject", forge(idp, { sub: null }), "missing_claim"],
    ["no expiry", forge(idp, { exp: null }), "missing_claim"],
    ["bad signature (payload altered)", tampered(realToken, { groups: ["admin"] }), "bad_signature"],
    ["alg none", unsigned(idp), "algorithm_not_allowed", /none/],
    ["HS256 signed with the issuer's public key", hmacWithPublicKey(idp), "algorithm_not_allowed", /HS256/],
    ["unknown kid", forge(idp, {}, { key: stranger, kid: "made-up-kid" }), "unknown_key"],
    ["malformed: three parts that are not JSON", "abc.def.ghi", "malformed"],
    ["malformed: not a token", "not a token!", "malformed"],
    ["malformed: empty", "   ", "malformed"],
    ["oversized", `${"a".repeat(10_000)}.${"b".repeat(7_000)}.c`, "oversized"],
  ];
  for (const [name, token, code, detail] of cases) {
    const result = await service.verify(await token);
    if (result.ok) assert.unreachable(`${name}: verified`);
    else {
      assert.is(result.code, code, `${name}: expected ${code}, got ${result.code} (${result.detail})`);
      if (detail) assert.match(result.detail, detail, name);
    }
  }
  // Within the bounded skew a just-expired token is still accepted; beyond it (above) it is not.
  expectVerified(await service.verify(await forge(idp, { exp: t - 30 })));
  // An issuer limited to ES256 refuses its own RS256 tokens before looking at keys.
  const config = demoConfig();
  config.issuers[1]!.algorithms = ["ES256"];
  const strict = await IdentityService.create(config);
  expectRejected(await strict.verify(realToken), "algorithm_not_allowed", /RS256 is not allowed for this issuer/);
});

test("an unknown kid refreshes the key set, rate-limited: a flood of 50 costs the issuer one fetch", async () => {
  expectVerified(await service.verify(await machineToken(idp))); // keys cached
  await sleep(1100); // past the 1 s cooldown
  const stranger = await strangerKey();
  const forged = await Promise.all(Array.from({ length: 50 }, (_, i) => forge(idp, {}, { key: stranger, kid: `flood-${i}` })));
  const before = idp.requestCount("/jwks");
  const concurrent = await Promise.all(forged.slice(0, 25).map((token) => service.verify(token)));
  for (const result of concurrent) expectRejected(result, "unknown_key");
  for (const token of forged.slice(25)) expectRejected(await service.verify(token), "unknown_key");
  const fetches = idp.requestCount("/jwks") - before;
  assert.ok(fetches >= 1 && fetches <= 2, `50 unknown-kid tokens caused ${fetches} key set fetches`);
});

test("after the provider rotates its key, a token signed by the new key verifies after an automatic refresh", async () => {
  expectVerified(await service.verify(await machineToken(idp)));
  const rotated = await idp.rotateSigningKey();
  const token = await machineToken(idp);
  assert.is(decodeProtectedHeader(token).kid, rotated.kid);
  await sleep(1100);
  const before = idp.requestCount("/jwks");
  expectVerified(await service.verify(token));
  assert.is(idp.requestCount("/jwks"), before + 1, "one refresh fetched the new key");
  expectVerified(await service.verify(await forge(idp, {}, { key: idp.signingKeys[1]!.privateKey, kid: idp.signingKeys[1]!.kid })));
});

test("revoking a token id or a subject takes effect at once, for that issuer only", async () => {
  const first = await machineToken(idp);
  const second = await machineToken(idp);
  const elsewhere = await machineToken(other);
  expectVerified(await service.verify(first));
  service.revokeToken(decodeJwt(first).jti!, decodeJwt(first).exp);
  expectRejected(await service.verify(first), "revoked", /token .* is revoked/);
  expectVerified(await service.verify(second));
  service.revokeSubject("ci-deploy", idp.issuer);
  expectRejected(await service.verify(second), "revoked", /subject ci-deploy is revoked/);
  expectVerified(await service.verify(elsewhere));
  await sleep(1100); // a token issued after the revocation's second is a new sign-in
  expectVerified(await service.verify(await machineToken(idp)));
});

test("a gateway token scoped to a target is refused for any other target", async () => {
  const exchanged = await service.exchange(await machineToken(idp), { targets: ["prod-db"] });
  if (!exchanged.ok) return assert.unreachable(`${exchanged.code}: ${exchanged.detail}`);
  const token = exchanged.issued.token;
  assert.is(expectVerified(await service.verify(token, { target: "prod-db" })).via, "gateway");
  expectRejected(await service.verify(token, { target: "staging-db" }), "not_scoped_for_target", /scoped to prod-db, not staging-db/);
  expectRejected(await service.exchange(token), "not_exchangeable");
  const unscoped = await service.exchange(await machineToken(idp));
  if (!unscoped.ok) return assert.unreachable(unscoped.detail);
  expectVerified(await service.verify(unscoped.issued.token, { target: "staging-db" }));
});

test("an issuer that cannot be reached refuses its tokens as issuer_unavailable", async () => {
  const gone = await startIdentityProvider();
  const token = await forge(gone);
  await gone.close();
  const unreachable = await IdentityService.create({ issuers: [{ name: "gone", issuer: gone.issuer, audience: gone.audience, kind: "service" }] });
  expectRejected(await unreachable.verify(token), "issuer_unavailable");
  expectRejected(await unreachable.verify(token), "issuer_unavailable", /recently/);
});

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

test.run();
