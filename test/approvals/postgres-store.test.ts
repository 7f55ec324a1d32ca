import { test } from "uvu";
import * as assert from "uvu/assert";
import { ApprovalService, PostgresApprovalStore } from "../../engine/approvals/index.js";
import { startPostgres, type RunningPostgres } from "../support/postgres.js";
import { alice, bob, newApproval, prod, sleep, TRUNCATE } from "./fixtures/requests.js";
import { approvalServiceSuite } from "./service-suite.js";

let pg: RunningPostgres;
let n = 0;

/** Each test gets its own database on one real server, so tests cannot see each other's requests. */
async function freshDatabase(): Promise<string> {
  const name = `approvals_${++n}`;
  await pg.query(`CREATE DATABASE ${name}`);
  return name;
}

function storeOn(database: string): Promise<PostgresApprovalStore> {
  return PostgresApprovalStore.open({ host: pg.host, port: pg.port, user: pg.superuser, password: pg.password, database, log: () => undefined });
}

approvalServiceSuite({
  name: "PostgreSQL store",
  async before() {
    pg = await startPostgres();
  },
  async fresh() {
    const database = await freshDatabase();
    return { store: await storeOn(database), reopen: () => storeOn(database) };
  },
});

/** Two gateway instances: two services, each with its own store (connections) over one database. */
async function twoInstances(options: { pollIntervalMs?: number } = {}): Promise<{ a: ApprovalService; b: ApprovalService; database: string; close(): Promise<void> }> {
  const database = await freshDatabase();
  const [storeA, storeB] = await Promise.all([storeOn(database), storeOn(database)]);
  const common = { log: () => undefined, sweepIntervalMs: 0, ...options };
  const a = await ApprovalService.start({ store: storeA, ...common });
  const b = await ApprovalService.start({ store: storeB, ...common });
  return { a, b, database, close: async () => void (await Promise.all([a.close(), b.close()])) };
}

test("a hold waiting on instance A is released promptly by a decision on instance B (LISTEN/NOTIFY)", async () => {
  // Polling every minute: only the notification can release the wait within the time allowed.
  const { a, b, close } = await twoInstances({ pollIntervalMs: 60_000 });
  try {
    for (const outcome of ["approve", "deny"] as const) {
      const held = await a.create(await newApproval({ mode: "hold" }));
      const waiting = a.waitForDecision(held.id, new AbortController().signal);
      await sleep(100);
      const started = Date.now();
      await b.decide(held.id, bob, outcome);
      const released = await waiting;
      const ms = Date.now() - started;
      assert.is(released.status, outcome === "approve" ? "approved" : "denied");
      assert.is(released.decided_by, bob.subject);
      assert.ok(ms < 1000, `released ${ms} ms after the decision`);
      console.log(`  ${outcome}: the wait on A ended ${ms} ms after the decision on B`);
    }
  } finally {
    await close();
  }
});

test("a request created on A is seen and decided on B, and a cancel on B ends a wait on A", async () => {
  const { a, b, close } = await twoInstances({ pollIntervalMs: 60_000 });
  try {
    const created = await a.create(await newApproval({ mode: "hold" }));
    assert.equal(await b.get(created.id), created);
    assert.equal((await b.list({ status: "pending" })).map((r) => r.id), [created.id]);
    const waiting = a.waitForDecision(created.id, new AbortController().signal);
    await b.cancel(created.id, "client went away");
    assert.is((await waiting).status, "cancelled");
  } finally {
    await close();
  }
});

test("a once grant is consumed by exactly one of concurrent findGrant calls spread over two instances", async () => {
  const { a, b, close } = await twoInstances();
  const query = { requester: alice, target: prod, request: { kind: "sql" as const, text: TRUNCATE } };
  try {
    for (let round = 0; round < 10; round++) {
      const created = await a.create(await newApproval());
      await b.decide(created.id, bob, "approve");
      const results = await Promise.all(Array.from({ length: 6 }, (_, i) => (i % 2 === 0 ? a : b).findGrant(query)));
      assert.is(results.filter((r) => r !== undefined).length, 1, `round ${round}: ${results.filter((r) => r !== undefined).length} winners`);
      assert.is((await a.get(created.id))?.grant?.uses, 1);
    }
  } finally {
    await close();
  }
});

test("two instances racing to decide the same request: one wins, the other is told it is no longer pending", async () => {
  const { a, b, close } = await twoInstances();
  try {
    for (let round = 0; round < 10; round++) {
      const created = await a.create(await newApproval());
      const outcomes = await Promise.allSettled([a.decide(created.id, bob, "approve"), b.decide(created.id, bob, "deny")]);
      const won = outcomes.filter((o) => o.status === "fulfilled");
      const lost = outcomes.filter((o): o is PromiseRejectedResult => o.status === "rejected");
      assert.is(won.length, 1, `round ${round}`);
      assert.is(lost[0]?.reason?.code, "NOT_PENDING");
      assert.is((await b.get(created.id))?.version, 2);
    }
  } finally {
    await close();
  }
});

test("a wait survives its LISTEN connection being cut: the decision made meanwhile still releases it", async () => {
  const { a, b, database, close } = await twoInstances({ pollIntervalMs: 60_000 });
  try {
    const held = await a.create(await newApproval({ mode: "hold" }));
    const waiting = a.waitForDecision(held.id, new AbortController().signal);
    await sleep(50);
    const cut = await pg.query<{ n: string }>(`SELECT count(pg_terminate_backend(pid)) AS n FROM pg_stat_activity WHERE datname = $1 AND query ILIKE 'LISTEN%'`, [database]);
    assert.is(Number(cut.rows[0]?.n), 2, "both instances' LISTEN connections were cut");
    await b.decide(held.id, bob, "approve");
    const started = Date.now();
    assert.is((await waiting).status, "approved");
    assert.ok(Date.now() - started < 5000, `released ${Date.now() - started} ms later`);
    // And notifications flow again after the reconnect.
    const next = await a.create(await newApproval({ mode: "hold" }));
    const again = a.waitForDecision(next.id, new AbortController().signal);
    await sleep(50);
    const decidedAt = Date.now();
    await b.decide(next.id, bob, "deny");
    assert.is((await again).status, "denied");
    assert.ok(Date.now() - decidedAt < 1000);
  } finally {
    await close();
  }
});

test("the table is created once even when instances start together", async () => {
  const database = await freshDatabase();
  const stores = await Promise.all(Array.from({ length: 4 }, () => storeOn(database)));
  await Promise.all(stores.map((s) => s.close()));
  const tables = await pg.query<{ n: string }>("SELECT count(*) AS n FROM pg_tables WHERE tablename = 'portcullis_approvals'", [], { database });
  assert.is(Number(tables.rows[0]?.n), 1);
});

test.after(async () => {
  await pg?.stop();
});

test.run();
