import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { resolveConfig } from "../../engine/config/load.js";
import type { ApprovalRequest } from "../../engine/approvals/types.js";
import type { Identity } from "../../engine/policy/types.js";
import { startGateway, type RunningGateway } from "../../proxy/gateway/gateway.js";
import { portcullis } from "../support/cli.js";
import { DEMO_SCHEMA } from "../support/pg-gateway.js";
import { startPostgres, type RunningPostgres } from "../support/postgres.js";
import { psql, psqlInBackground } from "../support/run.js";

// Two gateway instances over one approvals database: a hold on A is released by a decision on B.

const ALICE: Identity = { subject: "alice", issuer: "https://idp.test", groups: ["engineering"], kind: "human", claims: {} };
const DANA: Identity = { subject: "dana", issuer: "https://idp.test", groups: ["dba"], kind: "human", claims: {} };
const DEPLOYER: Identity = { subject: "ci-deploy", issuer: "https://ci.test", groups: ["deployers"], kind: "service", claims: {} };
/**
 * A wait also re-reads its request every 5 s without being told; finishing well inside that proves
 * the release came from the store's change notice, not from the fallback poll.
 */
const RELEASE_WITHIN_MS = 2_000;
const ORDERS = 20;

let pg: RunningPostgres;
let approvalsUrl: string;
let targetPassword: string;
let gatewayA: RunningGateway;
let gatewayB: RunningGateway;
let dirA: string;
let dirB: string;

function configFor(dir: string): Parameters<typeof startGateway>[0] {
  return resolveConfig(
    {
      state_dir: dir,
      listen: { postgres: "127.0.0.1:0", http: "127.0.0.1:0" },
      policy: { watch: false },
      postgres: { targets: [{ name: "shop", tags: { env: "prod" }, host: pg.host, port: pg.port, database: pg.database, user: "gw_prod", password: targetPassword, tls: "disable" }] },
      approvals: { store: { postgres: approvalsUrl } },
    },
    dir,
  );
}

async function env(gateway: RunningGateway, who: Identity): Promise<NodeJS.ProcessEnv> {
  const token = (await gateway.identity.tokens.issue(who)).token;
  return { ...process.env, PGHOST: "127.0.0.1", PGPORT: String(gateway.postgres.port), PGUSER: who.subject, PGDATABASE: "shop", PGPASSWORD: token, PGSSLMODE: "disable" };
}

async function eventually<T>(what: string, look: () => Promise<T | undefined> | T | undefined): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const found = await look();
    if (found !== undefined) return found;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`gave up waiting for ${what}`);
}

/** The pending request of `subject` as `gateway` lists it. */
function pendingOn(gateway: RunningGateway, subject: string): Promise<ApprovalRequest> {
  return eventually(`a pending approval for ${subject}`, async () => (await gateway.approvals.list({ status: "pending" })).find((r) => r.requester.subject === subject));
}

async function orders(): Promise<number> {
  return Number((await pg.query<{ n: string }>("SELECT count(*)::text AS n FROM orders")).rows[0]!.n);
}

async function refillOrders(): Promise<void> {
  await pg.query(`INSERT INTO orders SELECT g, 1 + g % 3, g * 1.5, 'order ' || g FROM generate_series(1, ${ORDERS}) g ON CONFLICT DO NOTHING`);
}

/**
 * Alice's TRUNCATE through gateway A: waits until psql shows the hold's notice, checks nothing ran,
 * and returns the running client with the request as gateway B sees it.
 */
async function heldTruncateOnA(): Promise<{ held: ReturnType<typeof psqlInBackground>; request: ApprovalRequest }> {
  await refillOrders();
  const held = psqlInBackground(await env(gatewayA, ALICE), "TRUNCATE orders CASCADE");
  const request = await pendingOn(gatewayB, "alice");
  assert.is(request.mode, "hold");
  assert.is(request.request.text, "TRUNCATE orders CASCADE");
  await eventually("the hold's notice in psql's stderr", () => (held.stderr().includes(request.id) ? true : undefined));
  assert.match(held.stderr(), new RegExp(`waiting for approval ${request.id} from group:dba`));
  assert.is(await orders(), ORDERS, "nothing runs before the approval");
  return { held, request };
}

async function releasedWithTruncate(held: ReturnType<typeof psqlInBackground>, approvedAt: number): Promise<void> {
  const r = await held.done;
  const waited = Date.now() - approvedAt;
  assert.is(r.code, 0, r.stderr);
  assert.ok(waited < RELEASE_WITHIN_MS, `psql on A finished ${waited} ms after the approval on B`);
  assert.match(r.stdout, /TRUNCATE TABLE/);
  assert.is(await orders(), 0);
}

test.before(async () => {
  pg = await startPostgres({ users: [{ name: "gateway", password: randomBytes(8).toString("hex") }], initSql: DEMO_SCHEMA });
  targetPassword = randomBytes(12).toString("hex");
  await pg.createRole("gw_prod", targetPassword);
  await pg.query("GRANT ALL ON ALL TABLES IN SCHEMA public TO gw_prod");
  await pg.query("ALTER TABLE orders OWNER TO gw_prod");
  await pg.query("GRANT CREATE ON SCHEMA public TO gw_prod");
  await pg.query("CREATE DATABASE approvals");
  const url = new URL(pg.url);
  url.pathname = "/approvals";
  approvalsUrl = url.toString();
  dirA = mkdtempSync(join(tmpdir(), "portcullis-shared-a-"));
  dirB = mkdtempSync(join(tmpdir(), "portcullis-shared-b-"));
  // Started together, so both race to create the approvals table.
  [gatewayA, gatewayB] = await Promise.all([startGateway(configFor(dirA), () => undefined), startGateway(configFor(dirB), () => undefined)]);
});

test.after(async () => {
  await gatewayA?.close();
  await gatewayB?.close();
  await pg?.stop();
  for (const dir of [dirA, dirB]) if (dir) rmSync(dir, { recursive: true, force: true });
});

test("a TRUNCATE held on gateway A runs as soon as a DBA approves it on gateway B", async () => {
  const { held, request } = await heldTruncateOnA();
  const decided = await gatewayB.approvals.decide(request.id, DANA, "approve", { reason: "planned cleanup" });
  const approvedAt = Date.now();
  assert.is(decided.status, "approved");
  await releasedWithTruncate(held, approvedAt);
  assert.is((await gatewayA.approvals.get(request.id))?.status, "approved", "A reads B's decision from the shared store");
});

test("an approval through gateway B's HTTP API releases the hold on gateway A", async () => {
  const { held, request } = await heldTruncateOnA();
  const token = (await gatewayB.identity.tokens.issue(DANA)).token;
  const response = await fetch(`${gatewayB.http.url}/v1/approvals/${request.id}/approve`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ reason: "approved over HTTP" }),
  });
  const approvedAt = Date.now();
  const body = (await response.json()) as ApprovalRequest;
  assert.is(response.status, 200, JSON.stringify(body));
  assert.is(body.status, "approved");
  assert.is(body.decided_by, "dana");
  await releasedWithTruncate(held, approvedAt);
});

test("a denial on gateway B fails the statement held on gateway A with 42501", async () => {
  const { held, request } = await heldTruncateOnA();
  await gatewayB.approvals.decide(request.id, DANA, "deny", { reason: "not during business hours" });
  const r = await held.done;
  assert.is(r.code, 1, r.stdout);
  assert.match(r.stderr, new RegExp(`42501: Portcullis denied this statement: approval ${request.id} was denied by dana: not during business hours`));
  assert.is(await orders(), ORDERS, "the denied TRUNCATE never ran");
});

test("a request made before gateway A restarts is still listed afterwards and can be decided there", async () => {
  const deployer = await env(gatewayA, DEPLOYER);
  const first = await psql(deployer, "CREATE INDEX orders_user ON orders (user_id)", ["-v", "VERBOSITY=verbose"]);
  assert.is(first.code, 1, first.stdout);
  const id = /approval (apr_\w+) required from group:dba/.exec(first.stderr)?.[1];
  assert.ok(id, first.stderr);

  await gatewayA.close();
  gatewayA = await startGateway(configFor(dirA), () => undefined);

  const listed = await gatewayA.approvals.list({ status: "pending" });
  assert.ok(
    listed.some((r) => r.id === id),
    `pending after the restart: ${listed.map((r) => r.id).join(", ")}`,
  );
  const decided = await gatewayA.approvals.decide(id!, DANA, "approve");
  assert.is(decided.status, "approved");
  assert.is((await gatewayB.approvals.get(id!))?.status, "approved");
  const again = await psql(await env(gatewayA, DEPLOYER), "CREATE INDEX orders_user ON orders (user_id)");
  assert.is(again.code, 0, again.stderr);
  const indexes = await pg.query<{ indexname: string }>("SELECT indexname FROM pg_indexes WHERE tablename = 'orders'");
  assert.ok(indexes.rows.some((r) => r.indexname === "orders_user"));
});

test("each gateway's audit log verifies: A holds the requests, B the decisions made on it", async () => {
  const types = (dir: string): string[] =>
    readFileSync(join(dir, "audit.log"), "utf8")
      .trim()
      .split("\n")
      .map((line) => (JSON.parse(line) as { event: { type: string } }).event.type);
  assert.ok(types(dirA).includes("approval_requested"));
  assert.ok(types(dirA).includes("approval_decided"), "the approval after the restart was made on A");
  assert.ok(types(dirB).includes("approval_decided"));
  assert.not.ok(types(dirB).includes("approval_requested"), "no statement went through B");
  for (const dir of [dirA, dirB]) {
    const verify = await portcullis(["audit", "verify", "--log", join(dir, "audit.log")]);
    assert.is(verify.code, 0, verify.stdout + verify.stderr);
  }
});

test.run();
