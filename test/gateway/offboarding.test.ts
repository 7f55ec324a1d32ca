import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as oidc from "openid-client";
import pg from "pg";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { resolveConfig } from "../../engine/config/load.js";
import { DEFAULT_MACHINES, startIdentityProvider, type RunningIdentityProvider } from "../../proxy/demo/identity-provider.js";
import { startGateway, type RunningGateway } from "../../proxy/gateway/gateway.js";
import { portcullis } from "../support/cli.js";
import { deviceLogin } from "../support/device-login.js";
import { DEMO_SCHEMA } from "../support/pg-gateway.js";
import { startPostgres, type RunningPostgres } from "../support/postgres.js";
import { psql, psqlInBackground } from "../support/run.js";
import { exchangeAt, ID_TOKEN_TYPE, JWT_TYPE } from "../support/token-exchange.js";

/**
 * Off-boarding: alice is revoked while her CI job (a psql session with her gateway token, on gateway A)
 * and her agent (a driver session with a token delegated to agent-one, on gateway B) are open. Both
 * end within 5 s with PostgreSQL's own FATAL 57P01 naming the reason, both ends are audited, and her
 * old tokens open nothing any more, on either gateway. The two gateways share only the PostgreSQL
 * revocation store; the identities come from the real demo OpenID provider.
 */
const ENDED_WITHIN_MS = 5_000;

let server: RunningPostgres;
let idp: RunningIdentityProvider;
let gatewayA: RunningGateway;
let gatewayB: RunningGateway;
const dirs: string[] = [];

function configFor(dir: string, targetPassword: string, sharedUrl: string): Parameters<typeof startGateway>[0] {
  return resolveConfig(
    {
      state_dir: dir,
      listen: { postgres: "127.0.0.1:0", http: "127.0.0.1:0" },
      policy: { watch: false },
      identity: {
        issuers: [
          { name: "people", issuer: idp.issuer, audience: idp.humanClientId, kind: "human", groups_claim: "groups" },
          { name: "workloads", issuer: idp.issuer, audience: idp.audience, kind: "service", groups_claim: "groups" },
        ],
        admin_groups: ["dba"],
      },
      postgres: { targets: [{ name: "shop", tags: { env: "dev" }, host: server.host, port: server.port, database: server.database, user: "gateway", password: targetPassword, tls: "disable" }] },
      revocations: { store: { postgres: sharedUrl }, poll_ms: 500 },
    },
    dir,
  );
}

test.before(async () => {
  const targetPassword = randomBytes(12).toString("hex");
  server = await startPostgres({ users: [{ name: "gateway", password: targetPassword }], initSql: DEMO_SCHEMA });
  await server.query("CREATE DATABASE gateway_state");
  const shared = new URL(server.url);
  shared.pathname = "/gateway_state";
  idp = await startIdentityProvider({ devicePollIntervalSeconds: 1, machines: [...DEFAULT_MACHINES.map((m) => ({ ...m })), { clientId: "agent-one", clientSecret: "agent-one-secret", groups: ["agents"], claims: {} }] });
  for (let i = 0; i < 2; i++) dirs.push(mkdtempSync(join(tmpdir(), "portcullis-offboarding-")));
  // Started together, so both race to create the revocation table.
  [gatewayA, gatewayB] = await Promise.all([startGateway(configFor(dirs[0]!, targetPassword, shared.toString()), () => undefined), startGateway(configFor(dirs[1]!, targetPassword, shared.toString()), () => undefined)]);
});

test.after(async () => {
  await gatewayA?.close();
  await gatewayB?.close();
  await idp?.close();
  await server?.stop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const exchange = (gateway: RunningGateway, fields: Record<string, string>): ReturnType<typeof exchangeAt> => exchangeAt(gateway.http.url, fields);

async function agentToken(): Promise<string> {
  const config = await oidc.discovery(new URL(idp.issuer), "agent-one", "agent-one-secret", oidc.ClientSecretBasic("agent-one-secret"), { execute: [oidc.allowInsecureRequests] });
  return (await oidc.clientCredentialsGrant(config)).access_token;
}

function psqlEnv(gateway: RunningGateway, token: string): NodeJS.ProcessEnv {
  return { ...process.env, PGHOST: "127.0.0.1", PGPORT: String(gateway.postgres.port), PGUSER: "alice", PGDATABASE: "shop", PGPASSWORD: token, PGSSLMODE: "disable", PGCONNECT_TIMEOUT: "10" };
}

function driver(gateway: RunningGateway, token: string): pg.Client {
  return new pg.Client({ host: "127.0.0.1", port: gateway.postgres.port, user: "alice", database: "shop", password: token, ssl: false });
}

/** The events of a type in a gateway's audit log (a file in its state directory). */
function audited(gateway: RunningGateway, type: string): Array<Record<string, unknown>> {
  return readFileSync(gateway.config.auditPath, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => (JSON.parse(line) as { event: Record<string, unknown> }).event)
    .filter((event) => event.type === type);
}

function sessionEnds(gateway: RunningGateway): Array<{ session_id: string; reason?: string }> {
  return audited(gateway, "session_end") as Array<{ session_id: string; reason?: string }>;
}

test("revoking a person ends their CI job's session and their agent's delegated session on two gateways within 5 s; old tokens open nothing", async () => {
  const aliceSignIn = (await deviceLogin(idp.issuer, idp.humanClientId, idp.humanScopes, "alice")).id_token!;
  const admin = (await deviceLogin(idp.issuer, idp.humanClientId, idp.humanScopes, "dana")).id_token!;

  // The CI job runs with alice's gateway token from A (as `PGPASSWORD=$(portcullis token)` would give it).
  const ciToken = (await exchange(gatewayA, { subject_token: aliceSignIn, subject_token_type: ID_TOKEN_TYPE })).body.access_token as string;
  // Her agent holds a token delegated to it at B.
  const delegated = await exchange(gatewayB, { subject_token: aliceSignIn, subject_token_type: ID_TOKEN_TYPE, actor_token: await agentToken(), actor_token_type: JWT_TYPE });
  assert.is(delegated.status, 200, JSON.stringify(delegated.body));
  const agentTokenForAlice = delegated.body.access_token as string;

  const ciJob = psqlInBackground(psqlEnv(gatewayA, ciToken), "SELECT pg_sleep(60)");
  const agent = driver(gatewayB, agentTokenForAlice);
  const agentEnded = new Promise<Error & { code?: string }>((resolve) => agent.on("error", resolve));
  await agent.connect();
  assert.equal((await agent.query("SELECT count(*)::int AS n FROM orders")).rows, [{ n: 20 }], "the agent's session works before");
  // Both sessions are open and watched before the revocation.
  for (let i = 0; i < 100 && (gatewayA.liveSessions.size < 1 || gatewayB.liveSessions.size < 1); i++) await new Promise((r) => setTimeout(r, 50));
  assert.equal([gatewayA.liveSessions.size, gatewayB.liveSessions.size], [1, 1]);

  const revoked = await portcullis(["revoke", "--subject", "alice", "--gateway", gatewayA.http.url, "--token", admin]);
  assert.is(revoked.code, 0, revoked.stderr);
  const revokedAt = Date.now();
  assert.equal(audited(gatewayA, "revocation"), [{ type: "revocation", by: "dana", subject: "alice", issuer: "*" }], "the admin action is in the audit log");

  const [ci, agentError] = await Promise.all([ciJob.done, agentEnded]);
  const took = Date.now() - revokedAt;
  assert.ok(took < ENDED_WITHIN_MS, `both sessions ended ${took} ms after the revocation`);
  assert.is.not(ci.code, 0);
  assert.match(ci.stderr, /FATAL: {2}57P01: Portcullis: terminating connection: subject alice is revoked/);
  assert.is(agentError.code, "57P01");
  assert.match(agentError.message, /Portcullis: terminating connection: subject alice is revoked/);

  // Each gateway audited the end of its session with the reason.
  for (const gateway of [gatewayA, gatewayB]) {
    for (let i = 0; i < 50 && !sessionEnds(gateway).some((e) => e.reason?.startsWith("identity ended: subject alice is revoked")); i++) await new Promise((r) => setTimeout(r, 100));
    assert.ok(sessionEnds(gateway).some((e) => e.reason?.startsWith("identity ended: subject alice is revoked")), JSON.stringify(sessionEnds(gateway)));
  }

  // New logins with the old tokens are refused, on both gateways.
  const again = await psql(psqlEnv(gatewayA, ciToken), "SELECT 1");
  assert.match(again.stderr, /password authentication failed for user "alice"/);
  const agentAgain = driver(gatewayB, agentTokenForAlice);
  agentAgain.on("error", () => undefined);
  const refusal = await agentAgain.connect().then(() => "connected", (error: Error & { code?: string }) => error.code);
  await agentAgain.end().catch(() => undefined);
  assert.is(refusal, "28P01");
  for (const gateway of [gatewayA, gatewayB]) {
    const exchanged = await exchange(gateway, { subject_token: aliceSignIn, subject_token_type: ID_TOKEN_TYPE });
    assert.is(exchanged.body.error, "invalid_grant", "her old sign-in buys no new gateway token");
  }
});

test("a session ends when the shortest-lived token in its chain expires, with 57P01 naming the expiry", async () => {
  const bob = { subject: "bob", issuer: idp.issuer, groups: ["engineering"], kind: "human" as const, claims: {} };
  const token = (await gatewayA.identity.tokens.issue(bob, { ttlSeconds: 5 })).token;
  const session = new pg.Client({ host: "127.0.0.1", port: gatewayA.postgres.port, user: "bob", database: "shop", password: token, ssl: false });
  const ended = new Promise<Error & { code?: string }>((resolve) => session.on("error", resolve));
  await session.connect();
  assert.equal((await session.query("SELECT 1 AS one")).rows, [{ one: 1 }]);
  const error = await ended;
  assert.is(error.code, "57P01");
  assert.match(error.message, /Portcullis: terminating connection: the token of bob expired at /);
});

test.run();
