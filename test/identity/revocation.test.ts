import { decodeJwt } from "jose";
import * as oidc from "openid-client";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { IdentityService } from "../../engine/identity/index.js";
import { PostgresRevocationStore } from "../../engine/identity/postgres-revocations.js";
import type { IdentityConfig } from "../../engine/identity/config.js";
import { DEFAULT_MACHINES, startIdentityProvider, type RunningIdentityProvider } from "../../proxy/demo/identity-provider.js";
import { startHttpServer, type RunningHttpServer } from "../../proxy/http/server.js";
import { portcullis } from "../support/cli.js";
import { deviceLogin } from "../support/device-login.js";
import { startPostgres, type RunningPostgres } from "../support/postgres.js";

/**
 * Revocation for admins (portcullis revoke, POST /v1/revocations), shared by two gateway instances
 * through a real PostgreSQL server: a revocation made on one holds on the other within its poll.
 */
let idp: RunningIdentityProvider;
let pg: RunningPostgres;
let first: IdentityService;
let second: IdentityService;
let http: RunningHttpServer;
const stores: PostgresRevocationStore[] = [];
const POLL_MS = 500;

const config = (): IdentityConfig => ({
  issuers: [
    { name: "people", issuer: idp.issuer, audience: idp.humanClientId, kind: "human", groups_claim: "groups" },
    { name: "ci", issuer: idp.issuer, audience: idp.audience, kind: "service", groups_claim: "groups" },
  ],
  admin_groups: ["dba"],
});

async function instance(): Promise<IdentityService> {
  const store = await PostgresRevocationStore.open({ connectionString: pg.url });
  stores.push(store);
  return IdentityService.create(config(), { sharedRevocations: { store, pollMs: POLL_MS, log: () => undefined } });
}

test.before(async () => {
  idp = await startIdentityProvider({ devicePollIntervalSeconds: 1, machines: [...DEFAULT_MACHINES.map((m) => ({ ...m }))] });
  pg = await startPostgres();
  first = await instance();
  // The second instance shares the database but not the process: it only learns revocations by polling.
  second = await instance();
  http = await startHttpServer({ identity: first, log: () => undefined });
});
test.after(async () => {
  await http.close();
  first.close();
  second.close();
  for (const store of stores) await store.close();
  await pg.stop();
  await idp.close();
});

const signIn = async (who: string): Promise<string> => (await deviceLogin(idp.issuer, idp.humanClientId, idp.humanScopes, who)).id_token!;

async function machineToken(): Promise<string> {
  const { id, secret } = idp.machineClient;
  const c = await oidc.discovery(new URL(idp.issuer), id, secret, oidc.ClientSecretBasic(secret), { execute: [oidc.allowInsecureRequests] });
  return (await oidc.clientCredentialsGrant(c)).access_token;
}

/** Polls `check` until it is true or `ms` passed; answers how long it took. */
async function within(ms: number, check: () => Promise<boolean>): Promise<number> {
  const start = Date.now();
  while (Date.now() - start < ms) {
    if (await check()) return Date.now() - start;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`not within ${ms} ms`);
}

const refused = async (service: IdentityService, token: string): Promise<boolean> => {
  const result = await service.verify(token);
  return !result.ok && result.code === "revoked";
};

test("portcullis revoke --subject, run by an admin on one instance, refuses the subject's tokens on the other within 5 s", async () => {
  const admin = await signIn("dana");
  const alice = await signIn("alice");
  // Each instance here has its own signing key: a gateway token is checked where it was issued.
  const aliceGateway = await second.exchange(alice);
  if (!aliceGateway.ok) return assert.unreachable(aliceGateway.detail);
  assert.ok((await second.verify(alice)).ok);

  const r = await portcullis(["revoke", "--subject", "alice", "--gateway", http.url, "--token", admin]);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /revoked subject alice from every issuer/);
  assert.ok(await refused(first, alice), "at once where it was made");
  const took = await within(5000, async () => (await refused(second, alice)) && (await refused(second, aliceGateway.issued.token)));
  assert.ok(took <= 5000, `${took} ms`);
  const again = await second.exchange(alice);
  assert.is(again.ok ? "issued" : again.code, "revoked", "no new gateway token from the old sign-in");
  assert.ok((await second.verify(admin)).ok, "others are untouched");
});

test("portcullis revoke --token-id ends that token on both instances, and every gateway token exchanged from it", async () => {
  const admin = await signIn("dana");
  const workload = await machineToken();
  const exchanged = await first.exchange(workload);
  if (!exchanged.ok) return assert.unreachable(exchanged.detail);
  const jti = decodeJwt(workload).jti;
  assert.type(jti, "string");
  const r = await portcullis(["revoke", "--token-id", jti!, "--expires-at", String(decodeJwt(workload).exp), "--gateway", http.url, "--format", "json"], { env: { PORTCULLIS_TOKEN: admin } });
  assert.is(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout), { revoked: { token_id: jti }, by: "dana" });
  assert.ok(await refused(first, exchanged.issued.token), "the gateway token exchanged from it");
  await within(5000, () => refused(second, workload));
  const fresh = await machineToken();
  assert.ok((await second.verify(fresh)).ok, "a new token of the same workload still works");
});

test("only admins, in person, may revoke: others get 403 and nothing is revoked", async () => {
  const bob = await signIn("bob");
  const asBob = await portcullis(["revoke", "--subject", "dana", "--gateway", http.url, "--token", bob]);
  assert.is(asBob.code, 1);
  assert.match(asBob.stderr, /only members of identity.admin_groups/);
  const noToken = await fetch(`${http.url}/v1/revocations`, { method: "POST" });
  assert.is(noToken.status, 401);
  const bad = await fetch(`${http.url}/v1/revocations`, { method: "POST", headers: { authorization: `Bearer ${await signIn("dana")}`, "content-type": "application/json" }, body: JSON.stringify({ subject: "x", token_id: "y" }) });
  assert.is(bad.status, 400);
  assert.ok((await first.verify(await signIn("dana"))).ok, "dana was not revoked by bob");
  const usage = await portcullis(["revoke", "--subject", "a", "--token-id", "b"]);
  assert.is(usage.code, 2);
});

test("an instance that cannot read the shared revocations refuses every token until it can (fail closed)", async () => {
  const store = await PostgresRevocationStore.open({ connectionString: pg.url });
  const blind = await IdentityService.create(config(), { sharedRevocations: { store, pollMs: 200, log: () => undefined } });
  const token = await machineToken();
  assert.ok((await blind.verify(token)).ok);
  await store.close();
  await within(8000, async () => {
    const result = await blind.verify(token);
    return !result.ok && result.code === "revocations_unknown";
  });
  blind.close();
});

test.run();
