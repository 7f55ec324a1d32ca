import { readFileSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { ApprovalRequest } from "../../engine/approvals/types.js";
import type { Identity } from "../../engine/policy/types.js";
import type { RunningGateway } from "../../proxy/gateway/gateway.js";
import { pendingFor as pendingForIn, startApprovalGateway, type ApprovalGateway } from "../support/approval-gateway.js";
import type { RunningPostgres } from "../support/postgres.js";

/**
 * An approval covers one execution of the approved statement: executing a prepared statement again
 * (through the protocol or with SQL EXECUTE) is decided again, audited again and needs an approval of
 * its own. Preparing runs nothing and needs none.
 */

const DANA: Identity = { subject: "dana", issuer: "https://idp.test", groups: ["dba"], kind: "human", claims: {} };
const DEPLOYER: Identity = { subject: "ci-deploy", issuer: "https://ci.test", groups: ["deployers"], kind: "service", claims: {} };
const ALICE: Identity = { subject: "alice", issuer: "https://idp.test", groups: ["engineering"], kind: "human", claims: {} };

let server: RunningPostgres;
let gateway: RunningGateway;
let dir: string;
let running: ApprovalGateway | undefined;

async function connect(who: Identity): Promise<pg.Client> {
  const token = (await gateway.identity.tokens.issue(who)).token;
  const client = new pg.Client({ host: "127.0.0.1", port: gateway.postgres.port, user: who.subject, database: "shop", password: token });
  client.on("error", () => undefined);
  await client.connect();
  return client;
}

async function orders(): Promise<number> {
  const r = await server.query<{ n: string }>("SELECT count(*)::text AS n FROM orders");
  return Number(r.rows[0]!.n);
}

async function refill(): Promise<void> {
  await server.query("INSERT INTO orders (id, user_id, amount, note) SELECT g, 1, 1, 'refill' FROM generate_series(1000, 1004) g ON CONFLICT DO NOTHING");
}

function failure(promise: Promise<unknown>): Promise<{ code?: string; message: string } | undefined> {
  return promise.then(
    () => undefined,
    (error: { code?: string; message: string }) => error,
  );
}

function ticketOf(error: { message: string } | undefined): string {
  const id = /approval (apr_\w+) required/.exec(error?.message ?? "")?.[1];
  assert.ok(id, `expected an approval ticket, got ${error?.message}`);
  return id!;
}

const pendingFor = (subject: string): Promise<ApprovalRequest> => pendingForIn(gateway, subject);

test.before(async () => {
  running = await startApprovalGateway();
  ({ server, gateway, dir } = running);
});

test.after(async () => {
  await running?.stop();
});

test("a ticket approved for a named prepared TRUNCATE runs it once; each further Execute needs a new approval", async () => {
  const client = await connect(DEPLOYER);
  const statement = { name: "wipe", text: "TRUNCATE orders CASCADE" };
  const first = await failure(client.query(statement));
  const ticket = ticketOf(first);
  assert.ok((await orders()) > 0, "nothing ran before the approval");
  await gateway.approvals.decide(ticket, DANA, "approve");
  await client.query(statement);
  assert.is(await orders(), 0, "the approved execution ran");
  await refill();
  // Executes 2, 3: the same prepared statement, no new approval.
  for (let i = 0; i < 2; i++) {
    const again = await failure(client.query(statement));
    assert.is(again?.code, "42501", "a once-approval is spent by its execution");
    ticketOf(again);
    assert.is(await orders(), 5, "a second execution without approval changed nothing");
  }
  await client.end();
});

test("SQL EXECUTE is decided on what it runs: a TRUNCATE prepared by Parse asks for approval at EXECUTE", async () => {
  const client = await connect(DEPLOYER);
  const statement = { name: "wipe_sql", text: "TRUNCATE orders CASCADE" };
  ticketOf(await failure(client.query(statement)));
  const first = await failure(client.query("EXECUTE wipe_sql"));
  const ticket = ticketOf(first);
  const request = await gateway.approvals.get(ticket);
  assert.match(request!.request.text, /TRUNCATE orders CASCADE\n;\nEXECUTE wipe_sql/, "the approver sees what EXECUTE runs");
  await gateway.approvals.decide(ticket, DANA, "approve");
  await client.query("EXECUTE wipe_sql");
  assert.is(await orders(), 0);
  await refill();
  const again = await failure(client.query("EXECUTE wipe_sql"));
  assert.is(again?.code, "42501");
  assert.is(await orders(), 5);
  // SQL PREPARE is followed too, and a name this session never prepared is not executed blind.
  await client.query("PREPARE one_order AS SELECT note FROM orders WHERE id = $1");
  const ran = await client.query("EXECUTE one_order(1000)");
  assert.equal(ran.rows, [{ note: "refill" }]);
  const unknown = await failure(client.query("EXECUTE never_prepared"));
  assert.is(unknown?.code, "42501");
  assert.match(unknown!.message, /prepared statement "never_prepared" was not prepared in this session/);
  await client.end();
});

test("a person's held prepared statement waits at each execution, not at Parse", async () => {
  const client = await connect(ALICE);
  const statement = { name: "wipe_held", text: "TRUNCATE orders CASCADE" };
  const run = client.query(statement);
  const request = await pendingFor("alice");
  await gateway.approvals.decide(request.id, DANA, "approve");
  await run;
  assert.is(await orders(), 0);
  await refill();
  const second = client.query(statement);
  const next = await pendingFor("alice");
  assert.is.not(next.id, request.id, "the second execution opened a request of its own");
  await gateway.approvals.decide(next.id, DANA, "deny", { reason: "once was enough" });
  const refused = await failure(second);
  assert.is(refused?.code, "42501");
  assert.is(await orders(), 5);
  await client.end();
});

test("every execution is decided and recorded in the audit log", async () => {
  const client = await connect(DEPLOYER);
  const statement = { name: "count_orders", text: "SELECT count(*) FROM orders WHERE amount > $1", values: [0] };
  for (let i = 0; i < 3; i++) await client.query(statement);
  await client.end();
  const lines = readFileSync(join(dir, "audit.log"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as { event: { type: string; request?: { sql?: string } | string } });
  const decisions = lines.filter((l) => l.event.type === "decision" && JSON.stringify(l.event.request).includes("count(*) FROM orders WHERE amount"));
  assert.ok(decisions.length >= 3, `one decision per execution, found ${decisions.length}`);
});

test.run();
