import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { ApprovalRequest } from "../../engine/approvals/types.js";
import type { Identity } from "../../engine/policy/types.js";
import type { RunningGateway } from "../../proxy/gateway/gateway.js";
import { pendingFor as pendingForIn, startApprovalGateway, type ApprovalGateway } from "../support/approval-gateway.js";
import type { RunningPostgres } from "../support/postgres.js";
import { psql, psqlInBackground } from "../support/run.js";

const ALICE: Identity = { subject: "alice", issuer: "https://idp.test", groups: ["engineering"], kind: "human", claims: {} };
const DANA: Identity = { subject: "dana", issuer: "https://idp.test", groups: ["dba"], kind: "human", claims: {} };
const DEPLOYER: Identity = { subject: "ci-deploy", issuer: "https://ci.test", groups: ["deployers"], kind: "service", claims: {} };

let pg: RunningPostgres;
let gateway: RunningGateway;
let dir: string;
let running: ApprovalGateway | undefined;

async function env(who: Identity): Promise<NodeJS.ProcessEnv> {
  const token = (await gateway.identity.tokens.issue(who)).token;
  return { ...process.env, PGHOST: "127.0.0.1", PGPORT: String(gateway.postgres.port), PGUSER: who.subject, PGDATABASE: "shop", PGPASSWORD: token, PGSSLMODE: "disable" };
}

const pendingFor = (subject: string): Promise<ApprovalRequest> => pendingForIn(gateway, subject);

test.before(async () => {
  running = await startApprovalGateway();
  ({ server: pg, gateway, dir } = running);
});

test.after(async () => {
  await running?.stop();
});

test("a person's TRUNCATE on prod waits on the wire until a DBA approves, then runs", async () => {
  const held = psqlInBackground(await env(ALICE), "TRUNCATE orders CASCADE");
  const request = await pendingFor("alice");
  assert.is(request.mode, "hold");
  assert.equal(request.approvers, ["group:dba"]);
  assert.is(request.request.text, "TRUNCATE orders CASCADE");
  const left = await pg.query<{ n: string }>("SELECT count(*)::text AS n FROM orders");
  assert.is(left.rows[0]!.n, "20", "nothing runs before the approval");
  await gateway.approvals.decide(request.id, DANA, "approve", { reason: "planned cleanup" });
  const r = await held.done;
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stderr, /waiting for approval apr_\w+ from group:dba/);
  assert.match(r.stdout, /TRUNCATE TABLE/);
  const after = await pg.query<{ n: string }>("SELECT count(*)::text AS n FROM orders");
  assert.is(after.rows[0]!.n, "0");
});

test("nobody approves their own request, and a denial fails the held statement with 42501", async () => {
  const held = psqlInBackground(await env(ALICE), "DROP TABLE orders");
  const request = await pendingFor("alice");
  await gateway.approvals.decide(request.id, { ...ALICE, groups: ["dba"] }, "approve").then(
    () => assert.unreachable("self-approval must be refused"),
    (error: { code?: string }) => assert.is(error.code, "SELF_APPROVAL"),
  );
  await gateway.approvals.decide(request.id, DANA, "deny", { reason: "not during business hours" });
  const r = await held.done;
  assert.is(r.code, 1);
  assert.match(r.stderr, new RegExp(`42501: Portcullis denied this statement: approval ${request.id} was denied by dana: not during business hours`));
  const still = await pg.query("SELECT 1 FROM orders LIMIT 1");
  assert.ok(still.rowCount !== null);
});

test("cancelling a held statement withdraws the request and returns 57014", async () => {
  const held = psqlInBackground(await env(ALICE), "ALTER TABLE orders ADD COLUMN flag int");
  const request = await pendingFor("alice");
  held.kill("SIGINT"); // psql sends a CancelRequest on Ctrl-C
  const r = await held.done;
  assert.match(r.stderr, /57014|canceling statement due to user request/);
  for (let i = 0; i < 100 && (await gateway.approvals.get(request.id))?.status === "pending"; i++) await new Promise((res) => setTimeout(res, 50));
  assert.is((await gateway.approvals.get(request.id))?.status, "cancelled");
});

test("a client that disconnects while its statement is held withdraws the request", async () => {
  const held = psqlInBackground(await env(ALICE), "ALTER TABLE orders ADD COLUMN gone int");
  const request = await pendingFor("alice");
  held.kill("SIGKILL"); // no CancelRequest: the connection just closes
  await held.done;
  for (let i = 0; i < 100 && (await gateway.approvals.get(request.id))?.status === "pending"; i++) await new Promise((res) => setTimeout(res, 50));
  const after = await gateway.approvals.get(request.id);
  assert.is(after?.status, "cancelled", "nobody can approve a statement whose client has gone");
  await gateway.approvals.decide(request.id, DANA, "approve").then(
    () => assert.unreachable("a withdrawn request cannot be approved"),
    (error: { code?: string }) => assert.ok(error.code),
  );
});

test("a service gets a ticket at once; the identical statement passes once approved, another does not", async () => {
  const environment = await env(DEPLOYER);
  const first = await psql(environment, "CREATE INDEX orders_user ON orders (user_id)", ["-v", "VERBOSITY=verbose"]);
  assert.is(first.code, 1);
  const id = /approval (apr_\w+) required from group:dba/.exec(first.stderr)?.[1];
  assert.ok(id, first.stderr);
  await gateway.approvals.decide(id!, DANA, "approve");
  const other = await psql(environment, "CREATE INDEX orders_amount ON orders (amount)");
  assert.is(other.code, 1, "an approval is bound to its exact statement");
  const again = await psql(environment, "CREATE INDEX orders_user ON orders (user_id)");
  assert.is(again.code, 0, again.stderr);
  const indexes = await pg.query<{ indexname: string }>("SELECT indexname FROM pg_indexes WHERE tablename = 'orders'");
  assert.ok(indexes.rows.some((r) => r.indexname === "orders_user"));
  assert.not.ok(indexes.rows.some((r) => r.indexname === "orders_amount"));
});

test("approval requests and decisions are in the audit log", async () => {
  const { readFileSync } = await import("node:fs");
  const events = readFileSync(join(dir, "audit.log"), "utf8").trim().split("\n").map((l) => (JSON.parse(l) as { event: { type: string } }).event.type);
  assert.ok(events.includes("approval_requested"));
  assert.ok(events.includes("approval_decided"));
});

test.run();
