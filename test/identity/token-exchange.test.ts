import { decodeJwt, decodeProtectedHeader } from "jose";
import * as oidc from "openid-client";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { IdentityService } from "../../engine/identity/index.js";
import { startIdentityProvider, type RunningIdentityProvider } from "../../proxy/demo/identity-provider.js";
import { startHttpServer, type RunningHttpServer } from "../../proxy/http/server.js";
import { deviceLogin } from "../support/device-login.js";
import { forge, now } from "./forge.js";

/** POST /v1/token (RFC 8693), the gateway's JWKS, whoami and login-config, over real HTTP on loopback. */
const TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange";
const JWT_TYPE = "urn:ietf:params:oauth:token-type:jwt";
const ID_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:id_token";

let idp: RunningIdentityProvider;
let service: IdentityService;
let gateway: RunningHttpServer;
const events: Array<Record<string, unknown>> = [];

test.before(async () => {
  idp = await startIdentityProvider({ devicePollIntervalSeconds: 1 });
  service = await IdentityService.create({
    issuers: [
      { name: "demo-people", issuer: idp.issuer, audience: idp.humanClientId, kind: "human", groups_claim: "groups", login: { client_id: idp.humanClientId } },
      { name: "demo-ci", issuer: idp.issuer, audience: idp.audience, kind: "service", groups_claim: "groups" },
    ],
    gateway_tokens: { max_ttl_seconds: 1800 },
  });
  gateway = await startHttpServer({ identity: service, log: (event) => events.push(event) });
});
test.after(async () => {
  await gateway.close();
  await idp.close();
});

async function machineToken(): Promise<string> {
  const { id, secret } = idp.machineClient;
  const config = await oidc.discovery(new URL(idp.issuer), id, secret, oidc.ClientSecretBasic(secret), { execute: [oidc.allowInsecureRequests] });
  return (await oidc.clientCredentialsGrant(config)).access_token;
}

interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
  text: string;
}

async function call(path: string, init: RequestInit = {}): Promise<Answer> {
  const response = await fetch(`${gateway.url}${path}`, init);
  const text = await response.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // left empty: the assertions below say what was expected
  }
  return { status: response.status, headers: response.headers, body, text };
}

function exchangeForm(fields: Record<string, string | string[]>): Promise<Answer> {
  const form = new URLSearchParams();
  for (const [key, value] of Object.entries(fields)) for (const v of ([] as string[]).concat(value)) form.append(key, v);
  return call("/v1/token", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: form.toString() });
}

function exchangeJson(body: Record<string, unknown>): Promise<Answer> {
  return call("/v1/token", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
}

/** The log events since `from`, as [event, code] pairs. */
function loggedSince(from: number): Array<[unknown, unknown]> {
  return events.slice(from).map((e) => [e.event, e.code]);
}

test("a form-encoded exchange turns a workload's token into a 15-minute gateway token carrying the same identity", async () => {
  const subject = await machineToken();
  const answer = await exchangeForm({ grant_type: TOKEN_EXCHANGE, subject_token: subject, subject_token_type: JWT_TYPE });
  assert.is(answer.status, 200, answer.text);
  assert.is(answer.headers.get("cache-control"), "no-store");
  assert.is(answer.body.issued_token_type, JWT_TYPE);
  assert.is(answer.body.token_type, "Bearer");
  assert.is(answer.body.expires_in, 900);
  const token = answer.body.access_token as string;
  const claims = decodeJwt(token);
  assert.is(claims.exp! - claims.iat!, 900);
  assert.is(claims.iss, "portcullis");

  const original = await service.verify(subject);
  const exchanged = await service.verify(token);
  if (!original.ok || !exchanged.ok) return assert.unreachable("both tokens must verify");
  assert.is(exchanged.via, "gateway");
  assert.equal(exchanged.identity, original.identity, "groups and claims (repository, ref, workflow) carried over exactly");
  assert.is(exchanged.identity.claims.ref, "refs/heads/main");
  assert.equal(loggedSince(events.length - 1), [["token_issued", undefined]]);
});

test("a JSON exchange of a person's id token honours requested_ttl and scopes the token to the named targets", async () => {
  const tokens = await deviceLogin(idp.issuer, idp.humanClientId, idp.humanScopes, "alice");
  const answer = await exchangeJson({ grant_type: TOKEN_EXCHANGE, subject_token: tokens.id_token, subject_token_type: ID_TOKEN_TYPE, requested_ttl: 60, audience: ["prod-db", "reporting"] });
  assert.is(answer.status, 200, answer.text);
  assert.is(answer.body.expires_in, 60);
  assert.equal(answer.body.audience, ["prod-db", "reporting"]);
  const token = answer.body.access_token as string;
  const scoped = await service.verify(token, { target: "reporting" });
  if (!scoped.ok) return assert.unreachable(scoped.detail);
  assert.equal(scoped.identity.groups, ["engineering"]);
  assert.is(scoped.identity.kind, "human");
  assert.is(scoped.identity.claims.email, "alice@example.com");
  assert.equal(scoped.targets, ["prod-db", "reporting"]);
  const elsewhere = await service.verify(token, { target: "staging-db" });
  assert.is(elsewhere.ok ? "accepted" : elsewhere.code, "not_scoped_for_target");

  const viaResource = await exchangeForm({ grant_type: TOKEN_EXCHANGE, subject_token: tokens.id_token!, subject_token_type: ID_TOKEN_TYPE, resource: "prod-db" });
  assert.equal(decodeJwt(viaResource.body.access_token as string).targets, ["prod-db"]);
});

test("requested_ttl is capped by max_ttl_seconds; a malformed one is an invalid_request", async () => {
  const subject = await machineToken();
  const capped = await exchangeForm({ grant_type: TOKEN_EXCHANGE, subject_token: subject, subject_token_type: JWT_TYPE, requested_ttl: "7200" });
  assert.is(capped.body.expires_in, 1800);
  const claims = decodeJwt(capped.body.access_token as string);
  assert.is(claims.exp! - claims.iat!, 1800);
  for (const ttl of ["abc", "0", "-5", "1.5"]) {
    const bad = await exchangeForm({ grant_type: TOKEN_EXCHANGE, subject_token: subject, subject_token_type: JWT_TYPE, requested_ttl: ttl });
    assert.is(bad.status, 400, ttl);
    assert.is(bad.body.error, "invalid_request", ttl);
  }
});

test("bad subject tokens get invalid_grant with a generic message; the precise reason goes only to the log", async () => {
  const t = now();
  const cases: Array<[string, string, string]> = [
    ["expired", await forge(idp, { iat: t - 7200, exp: t - 3600 }), "expired"],
    ["wrong audience", await forge(idp, { aud: "another-service" }), "wrong_audience"],
    ["unknown issuer", await forge(idp, { iss: "https://idp.unknown.example" }), "unknown_issuer"],
    ["malformed", "abc.def.ghi", "malformed"],
  ];
  const gatewayToken = (await service.exchange(await machineToken())) as { issued: { token: string } };
  cases.push(["a gateway token", gatewayToken.issued.token, "not_exchangeable"]);
  for (const [name, token, code] of cases) {
    const from = events.length;
    const answer = await exchangeForm({ grant_type: TOKEN_EXCHANGE, subject_token: token, subject_token_type: JWT_TYPE });
    assert.is(answer.status, 400, name);
    assert.equal(answer.body, { error: "invalid_grant", error_description: "authentication failed" }, name);
    assert.not.match(answer.text, new RegExp(code), `${name}: the reason must not reach the client`);
    assert.equal(loggedSince(from), [["token_exchange_rejected", code]], name);
    assert.is(events[from]!.client_addr, "127.0.0.1");
  }
});

test("requests that are not a valid exchange are refused with the matching RFC 6749 error", async () => {
  const subject = await machineToken();
  const expectError = async (answer: Promise<Answer>, status: number, error: string): Promise<void> => {
    const a = await answer;
    assert.is(a.status, status, a.text);
    assert.is(a.body.error, error, a.text);
  };
  await expectError(exchangeForm({ grant_type: "client_credentials", subject_token: subject, subject_token_type: JWT_TYPE }), 400, "unsupported_grant_type");
  await expectError(exchangeForm({ grant_type: TOKEN_EXCHANGE, subject_token_type: JWT_TYPE }), 400, "invalid_request");
  await expectError(exchangeForm({ grant_type: TOKEN_EXCHANGE, subject_token: subject }), 400, "invalid_request");
  await expectError(exchangeForm({ grant_type: TOKEN_EXCHANGE, subject_token: subject, subject_token_type: "urn:ietf:params:oauth:token-type:saml2" }), 400, "invalid_request");
  await expectError(exchangeForm({ grant_type: TOKEN_EXCHANGE, subject_token: subject, subject_token_type: JWT_TYPE, requested_token_type: "urn:ietf:params:oauth:token-type:refresh_token" }), 400, "invalid_request");
  await expectError(exchangeForm({ grant_type: TOKEN_EXCHANGE, subject_token: subject, subject_token_type: JWT_TYPE, audience: "prod db; drop" }), 400, "invalid_target");
  await expectError(call("/v1/token", { method: "POST", headers: { "content-type": "application/json" }, body: "{not json" }), 400, "invalid_request");
  await expectError(call("/v1/token", { method: "POST", headers: { "content-type": "text/plain" }, body: "hello" }), 415, "invalid_request");
  await expectError(call("/v1/token", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: `subject_token=${"a".repeat(70_000)}` }), 413, "invalid_request");
  await expectError(call("/v1/token"), 405, "invalid_request");
  await expectError(call("/v1/nothing"), 404, "not_found");
});

test("the JWKS endpoint publishes the gateway's public key, and keeps the old key after a rotation", async () => {
  const subject = await machineToken();
  const before = (await exchangeForm({ grant_type: TOKEN_EXCHANGE, subject_token: subject, subject_token_type: JWT_TYPE })).body.access_token as string;
  const oldKid = decodeProtectedHeader(before).kid;
  const published = await call("/.well-known/jwks.json");
  assert.is(published.status, 200);
  const keys = (published.body.keys as Array<Record<string, unknown>>) ?? [];
  assert.equal(keys.map((k) => k.kid), [oldKid]);
  assert.equal({ kty: keys[0]!.kty, crv: keys[0]!.crv, alg: keys[0]!.alg, use: keys[0]!.use }, { kty: "EC", crv: "P-256", alg: "ES256", use: "sig" });
  assert.is(keys[0]!.d, undefined, "never the private part");

  const newKid = await service.rotateGatewayKey();
  const after = (await exchangeForm({ grant_type: TOKEN_EXCHANGE, subject_token: subject, subject_token_type: JWT_TYPE })).body.access_token as string;
  assert.is(decodeProtectedHeader(after).kid, newKid);
  const republished = (await call("/.well-known/jwks.json")).body.keys as Array<Record<string, unknown>>;
  assert.equal(republished.map((k) => k.kid), [oldKid, newKid]);
  assert.ok((await service.verify(before)).ok, "a token signed by the retired key still verifies");
  assert.ok((await service.verify(after)).ok);
});

test("whoami shows the identity behind a bearer token; a bad or missing token is a generic 401", async () => {
  const exchanged = await exchangeForm({ grant_type: TOKEN_EXCHANGE, subject_token: await machineToken(), subject_token_type: JWT_TYPE, audience: "prod-db" });
  const me = await call("/v1/whoami", { headers: { authorization: `Bearer ${exchanged.body.access_token as string}` } });
  assert.is(me.status, 200, me.text);
  assert.is(me.body.subject, "ci-deploy");
  assert.is(me.body.issuer, idp.issuer);
  assert.is(me.body.kind, "service");
  assert.is(me.body.via, "gateway");
  assert.equal(me.body.groups, ["ci", "deployers"]);
  assert.equal(me.body.targets, ["prod-db"]);
  assert.is((me.body.claims as Record<string, unknown>).workflow, "deploy");
  assert.ok(Math.abs(Date.parse(me.body.expires_at as string) / 1000 - (now() + 900)) < 5);

  const direct = await call("/v1/whoami", { headers: { authorization: `Bearer ${await machineToken()}` } });
  assert.is(direct.body.via, "idp");

  assert.is((await call("/v1/whoami")).status, 401);
  const from = events.length;
  const bad = await call("/v1/whoami", { headers: { authorization: `Bearer ${await forge(idp, { aud: "another-service" })}` } });
  assert.is(bad.status, 401);
  assert.equal(bad.body, { error: "invalid_token", error_description: "authentication failed" });
  assert.equal(loggedSince(from), [["whoami_rejected", "wrong_audience"]]);
});

test("revoking a gateway token's id, or its subject, takes effect at once", async () => {
  const subject = await machineToken();
  const answer = await exchangeForm({ grant_type: TOKEN_EXCHANGE, subject_token: subject, subject_token_type: JWT_TYPE });
  const token = answer.body.access_token as string;
  const bearer = { headers: { authorization: `Bearer ${token}` } };
  assert.is((await call("/v1/whoami", bearer)).status, 200);
  const claims = decodeJwt(token);
  service.revokeToken(claims.jti!, claims.exp);
  const from = events.length;
  assert.is((await call("/v1/whoami", bearer)).status, 401);
  assert.equal(loggedSince(from), [["whoami_rejected", "revoked"]]);

  const another = (await exchangeForm({ grant_type: TOKEN_EXCHANGE, subject_token: subject, subject_token_type: JWT_TYPE })).body.access_token as string;
  assert.is((await call("/v1/whoami", { headers: { authorization: `Bearer ${another}` } })).status, 200);
  service.revokeSubject("ci-deploy");
  assert.is((await call("/v1/whoami", { headers: { authorization: `Bearer ${another}` } })).status, 401);
  const refused = await exchangeForm({ grant_type: TOKEN_EXCHANGE, subject_token: subject, subject_token_type: JWT_TYPE });
  assert.is(refused.body.error, "invalid_grant");
  assert.is(events[events.length - 1]!.code, "revoked");
});

test("login-config lists the issuers people log in with, and nothing secret", async () => {
  const answer = await call("/v1/login-config");
  assert.is(answer.status, 200);
  assert.equal(answer.body, { issuers: [{ name: "demo-people", issuer: idp.issuer, client_id: idp.humanClientId, scopes: ["openid", "profile", "email", "groups", "offline_access"] }] });
});

test.run();
