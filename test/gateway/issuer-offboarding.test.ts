import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as oidc from "openid-client";
import pg from "pg";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { resolveConfig } from "../../engine/config/load.js";
import { DEFAULT_MACHINES, DEMO_ACCOUNTS, startIdentityProvider, type RunningIdentityProvider } from "../../proxy/demo/identity-provider.js";
import { startGateway, type RunningGateway } from "../../proxy/gateway/gateway.js";
import { deviceLogin } from "../support/device-login.js";
import { DEMO_SCHEMA } from "../support/pg-gateway.js";
import { startPostgres, type RunningPostgres } from "../support/postgres.js";
import { recheckingPeople } from "../support/rechecking-issuer.js";
import { psql, psqlInBackground } from "../support/run.js";
import { ACCESS_TOKEN_TYPE, exchangeAt, JWT_TYPE } from "../support/token-exchange.js";

/**
 * Off-boarding at the issuer: alice's account is removed at the real demo OpenID provider (as an
 * admin deletes a user in the IdP), not revoked at the gateway. With session_recheck the gateway asks
 * the provider about open sessions' tokens (RFC 7662), so her driver session (opened with her opaque
 * access token) and her CI job's psql (a gateway token exchanged from it) end within 5 s of the
 * provider saying so, with PostgreSQL's FATAL 57P01 naming the reason; the ends are audited, bob's
 * session is untouched, and her token opens nothing any more. An issuer that cannot be reached is no
 * proof of removal: sessions outlive a short outage but end once it lasts max_unanswered_seconds.
 */
const ENDED_WITHIN_MS = 5_000;
const RECHECK_SECONDS = 1;
const MAX_UNANSWERED_SECONDS = 3;

let server: RunningPostgres;
let idp: RunningIdentityProvider;
let gateway: RunningGateway;
let dir: string;
const logs: string[] = [];

test.before(async () => {
  const targetPassword = randomBytes(12).toString("hex");
  server = await startPostgres({ users: [{ name: "gateway", password: targetPassword }], initSql: DEMO_SCHEMA });
  idp = await startIdentityProvider({ devicePollIntervalSeconds: 1, machines: [...DEFAULT_MACHINES.map((m) => ({ ...m })), { clientId: "agent-one", clientSecret: "agent-one-secret", groups: ["agents"], claims: {} }] });
  dir = mkdtempSync(join(tmpdir(), "portcullis-issuer-offboarding-"));
  const config = resolveConfig(
    {
      state_dir: dir,
      listen: { postgres: "127.0.0.1:0", http: "127.0.0.1:0" },
      policy: { watch: false },
      identity: {
        issuers: [
          recheckingPeople(idp, { every_seconds: RECHECK_SECONDS, max_unanswered_seconds: MAX_UNANSWERED_SECONDS }),
          // Workloads' tokens are JWTs, which oidc-provider refuses to introspect (unsupported_token_type).
          { name: "workloads", issuer: idp.issuer, audience: idp.audience, kind: "service", groups_claim: "groups", session_recheck: { every_seconds: RECHECK_SECONDS, max_unanswered_seconds: MAX_UNANSWERED_SECONDS } },
        ],
      },
      postgres: { targets: [{ name: "shop", tags: { env: "dev" }, host: server.host, port: server.port, database: server.database, user: "gateway", password: targetPassword, tls: "disable" }] },
    },
    dir,
  );
  gateway = await startGateway(config, (line) => logs.push(line));
});

test.after(async () => {
  await gateway?.close();
  await idp?.close();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function clientToken(id: string, secret: string): Promise<string> {
  const config = await oidc.discovery(new URL(idp.issuer), id, secret, oidc.ClientSecretBasic(secret), { execute: [oidc.allowInsecureRequests] });
  return (await oidc.clientCredentialsGrant(config)).access_token;
}

const accessToken = async (who: string): Promise<string> => (await deviceLogin(idp.issuer, idp.humanClientId, idp.humanScopes, who)).access_token;

function driver(user: string, token: string): pg.Client {
  return new pg.Client({ host: "127.0.0.1", port: gateway.postgres.port, user, database: "shop", password: token, ssl: false });
}

function psqlEnv(token: string): NodeJS.ProcessEnv {
  return { ...process.env, PGHOST: "127.0.0.1", PGPORT: String(gateway.postgres.port), PGUSER: "alice", PGDATABASE: "shop", PGPASSWORD: token, PGSSLMODE: "disable", PGCONNECT_TIMEOUT: "10" };
}

/** `promise`, or a failure after `ms`: a session that never ends must fail the test, not hang it. */
function within<T>(ms: number, promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

function sessionEnds(): Array<{ session_id: string; reason?: string }> {
  return readFileSync(gateway.config.auditPath, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => (JSON.parse(line) as { event: { type: string; session_id: string; reason?: string } }).event)
    .filter((event) => event.type === "session_end");
}

test("removing alice at the issuer ends her sessions (her token's, a gateway token exchanged from it, her agent's) within 5 s with 57P01; bob's stays; her tokens are refused", async () => {
  const aliceToken = await accessToken("alice");
  assert.ok(!aliceToken.includes("."), "the demo provider gives people opaque access tokens");
  const exchanged = await exchangeAt(gateway.http.url, { subject_token: aliceToken, subject_token_type: ACCESS_TOKEN_TYPE });
  assert.is(exchanged.status, 200, JSON.stringify(exchanged.body));
  const ciToken = exchanged.body.access_token as string;
  // Her agent acts for her with a token delegated at the gateway (RFC 8693 with an actor token).
  const delegated = await exchangeAt(gateway.http.url, { subject_token: aliceToken, subject_token_type: ACCESS_TOKEN_TYPE, actor_token: await clientToken("agent-one", "agent-one-secret"), actor_token_type: JWT_TYPE });
  assert.is(delegated.status, 200, JSON.stringify(delegated.body));
  const agent = driver("alice", delegated.body.access_token as string);
  const agentEnded = new Promise<Error & { code?: string }>((resolve) => agent.on("error", resolve));
  await agent.connect();

  const alice = driver("alice", aliceToken);
  const aliceEnded = new Promise<Error & { code?: string }>((resolve) => alice.on("error", resolve));
  await alice.connect();
  assert.equal((await alice.query("SELECT count(*)::int AS n FROM orders")).rows, [{ n: 20 }], "her session works before");
  const ciJob = psqlInBackground(psqlEnv(ciToken), "SELECT pg_sleep(60)");
  const bob = driver("bob", await accessToken("bob"));
  await bob.connect();
  for (let i = 0; i < 100 && gateway.liveSessions.size < 4; i++) await new Promise((r) => setTimeout(r, 50));
  assert.is(gateway.liveSessions.size, 4);
  // Past a few re-checks: while the provider still knows alice, her sessions stand.
  await new Promise((r) => setTimeout(r, 2.5 * RECHECK_SECONDS * 1000));
  assert.equal((await alice.query("SELECT 1 AS one")).rows, [{ one: 1 }]);

  // The demo provider's admin hook, as an IdP admin deletes the account.
  const removed = await fetch(`${idp.issuer}${DEMO_ACCOUNTS}alice`, { method: "DELETE" });
  assert.is(removed.status, 204);
  const removedAt = Date.now();
  assert.is((await fetch(`${idp.issuer}${DEMO_ACCOUNTS}alice`, { method: "DELETE" })).status, 404, "gone already");

  const [error, ci, agentError] = await within(2 * ENDED_WITHIN_MS, Promise.all([aliceEnded, ciJob.done, agentEnded]), "alice's sessions ending");
  const took = Date.now() - removedAt;
  // The provider answers at the next re-check (≤ every_seconds); the session ends at the next tick after that.
  assert.ok(took < ENDED_WITHIN_MS, `ended ${took} ms after the account was removed`);
  const reason = `the issuer ${idp.issuer} no longer recognises alice's token`;
  assert.is(error.code, "57P01");
  assert.is(error.message, `Portcullis: terminating connection: ${reason}`);
  assert.is.not(ci.code, 0);
  assert.match(ci.stderr, `FATAL:  57P01: Portcullis: terminating connection: ${reason}`);
  assert.equal([agentError.code, agentError.message], ["57P01", `Portcullis: terminating connection: ${reason}`], "the agent acting for her stops too");

  for (let i = 0; i < 50 && sessionEnds().filter((e) => e.reason === `identity ended: ${reason}`).length < 3; i++) await new Promise((r) => setTimeout(r, 100));
  assert.is(sessionEnds().filter((e) => e.reason === `identity ended: ${reason}`).length, 3, JSON.stringify(sessionEnds()));

  assert.equal((await bob.query("SELECT 1 AS one")).rows, [{ one: 1 }], "bob's session is untouched");
  await bob.end();

  // New logins with her token, or the gateway token exchanged from it, are refused.
  const again = driver("alice", aliceToken);
  again.on("error", () => undefined);
  assert.is(await again.connect().then(() => "connected", (e: Error & { code?: string }) => e.code), "28P01");
  await again.end().catch(() => undefined);
  const ciAgain = await psql(psqlEnv(ciToken), "SELECT 1");
  assert.match(ciAgain.stderr, /password authentication failed for user "alice"/);
  const refused = await gateway.identity.verify(ciToken);
  assert.equal(refused.ok ? "accepted" : [refused.code, refused.detail], ["inactive", reason]);
  const exchangedAgain = await exchangeAt(gateway.http.url, { subject_token: aliceToken, subject_token_type: ACCESS_TOKEN_TYPE });
  assert.is(exchangedAgain.body.error, "invalid_grant", "her token buys no new gateway token");
});

test("an issuer that cannot introspect a workload's JWT (oidc-provider) leaves its session to expiry and revocation: no unreachable timeout, one log line per issuer", async () => {
  const { id, secret } = idp.machineClient;
  const workload = driver(id, await clientToken(id, secret));
  await workload.connect();
  await new Promise((r) => setTimeout(r, (MAX_UNANSWERED_SECONDS + 1.5) * 1000));
  assert.equal((await workload.query("SELECT 1 AS one")).rows, [{ one: 1 }], "still open past max_unanswered_seconds");
  await workload.end();
  // Said once per issuer (the agent's JWT in the first case was the first), not at every login.
  assert.is(logs.filter((line) => line.includes(`${idp.issuer} does not introspect`) && line.includes("(unsupported_token_type)")).length, 1, logs.join("\n"));
});

test("an unreachable issuer ends a session only once it has not answered for max_unanswered_seconds, naming the outage", async () => {
  const bob = driver("bob", await accessToken("bob"));
  const bobEnded = new Promise<Error & { code?: string }>((resolve) => bob.on("error", resolve));
  await bob.connect();
  for (let i = 0; i < 100 && gateway.liveSessions.size < 1; i++) await new Promise((r) => setTimeout(r, 50));
  // The provider goes away (its port then refuses connections): every re-check from now on fails.
  await idp.close();
  const downAt = Date.now();
  await new Promise((r) => setTimeout(r, 1_000));
  assert.equal((await bob.query("SELECT 1 AS one")).rows, [{ one: 1 }], "a failed re-check or two do not end the session");
  const error = await within((MAX_UNANSWERED_SECONDS + 5) * 1000, bobEnded, "bob's session ending");
  const took = Date.now() - downAt;
  // The bound runs from the last answer, at most one interval before the outage.
  assert.ok(took >= (MAX_UNANSWERED_SECONDS - RECHECK_SECONDS) * 1000 - 100, `ended ${took} ms into the outage`);
  assert.is(error.code, "57P01");
  assert.match(error.message, new RegExp(`^Portcullis: terminating connection: the issuer ${idp.issuer} could not be reached to re-check bob's token for \\d+ s \\(.+\\)$`));
});

test.run();
