import pg from "pg";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { startGatewayUnderTest, type GatewayUnderTest } from "../support/pg-gateway.js";
import { defaultPolicyWithSettings } from "../support/policy-dir.js";

/**
 * The policy may cap how many existing rows one statement changes (max_rows_affected). The gateway
 * cannot know the count in advance: it lets the server run the statement, reads the server's own
 * count, and undoes a change over the cap as if the statement had failed on the server. Here the cap
 * is 5 rows for people; the demo's `orders` has 20.
 */

let g: GatewayUnderTest;
let policy: { dir: string; remove(): void } | undefined;

test.before(async () => {
  const copy = defaultPolicyWithSettings({ writes: { max_rows_affected: { human: 5 } } });
  policy = copy;
  g = await startGatewayUnderTest({ policyDir: copy.dir });
  await g.pg.psql("CREATE TABLE stock (id int PRIMARY KEY, qty int); INSERT INTO stock SELECT g, 0 FROM generate_series(1, 20) g; GRANT ALL ON stock TO gateway;");
});
test.after(async () => {
  await g?.stop();
  policy?.remove();
});

async function client(): Promise<pg.Client> {
  const c = new pg.Client({ host: "127.0.0.1", port: g.gateway.port, user: "alice", database: "demo", password: await g.token() });
  await c.connect();
  return c;
}

async function failure(c: pg.Client, sql: string, values?: unknown[]): Promise<{ code?: string; message?: string }> {
  return c.query(sql, values).then(
    () => ({ code: "ok" }),
    (error: { code?: string; message?: string }) => ({ code: error.code, message: error.message }),
  );
}

async function changed(): Promise<number> {
  const out = await g.pg.psql("SELECT count(*) FROM stock WHERE qty <> 0");
  return Number(out.stdout.trim());
}

async function reset(): Promise<void> {
  await g.pg.psql("UPDATE stock SET qty = 0");
}

test("a simple-query change over the limit is undone and refused; one within it stands", async () => {
  await reset();
  const c = await client();
  const over = await failure(c, "UPDATE stock SET qty = 1 WHERE id <= 10");
  assert.is(over.code, "42501");
  assert.match(over.message!, /changed 10 rows, more than the 5/);
  assert.is(await changed(), 0);
  const within = await c.query("UPDATE stock SET qty = 1 WHERE id <= 3");
  assert.is(within.rowCount, 3);
  assert.is(await changed(), 3);
  // The session goes on as after any failed statement.
  assert.equal((await c.query("SELECT 1 AS one")).rows, [{ one: 1 }]);
  await c.end();
});

test("over the limit inside a transaction block, the transaction fails as on a server error", async () => {
  await reset();
  const c = await client();
  await c.query("BEGIN");
  await c.query("UPDATE stock SET qty = 2 WHERE id = 1");
  assert.is((await failure(c, "DELETE FROM stock WHERE id > 10 RETURNING id")).code, "42501");
  assert.is((await failure(c, "SELECT 1")).code, "25P02");
  await c.query("ROLLBACK");
  assert.is(await changed(), 0);
  assert.is(Number((await g.pg.psql("SELECT count(*) FROM stock")).stdout.trim()), 20);
  await c.end();
});

test("the extended protocol, prepared statements and SQL EXECUTE are counted too", async () => {
  await reset();
  const c = await client();
  assert.is((await failure(c, "UPDATE stock SET qty = $1 WHERE id <= $2", [3, 9])).code, "42501");
  assert.is((await c.query("UPDATE stock SET qty = $1 WHERE id <= $2", [3, 2])).rowCount, 2);
  const named = { name: "bump", text: "UPDATE stock SET qty = qty + 1 WHERE id <= $1" };
  assert.is((await c.query({ ...named, values: [4] })).rowCount, 4);
  assert.is((await failure(c, named.text, [7])).code, "42501");
  assert.is((await c.query({ ...named, values: [1] })).rowCount, 1);
  await c.query("PREPARE wipe(int) AS DELETE FROM stock WHERE id > $1");
  assert.is((await failure(c, "EXECUTE wipe(3)")).code, "42501");
  assert.is(Number((await g.pg.psql("SELECT count(*) FROM stock")).stdout.trim()), 20);
  assert.is(await changed(), 4);
  await c.end();
});

test("several statements in one Query: each change is counted before the next statement runs", async () => {
  await reset();
  const c = await client();
  const both = await c.query("UPDATE stock SET qty = 1 WHERE id <= 2; SELECT count(*) AS n FROM stock WHERE qty = 1; UPDATE stock SET qty = 1 WHERE id BETWEEN 3 AND 5");
  assert.equal((both as unknown as pg.QueryResult[]).map((r) => r.command), ["UPDATE", "SELECT", "UPDATE"]);
  assert.is(await changed(), 5);
  await reset();
  // The COMMIT after the change must not run before the count is known.
  assert.is((await failure(c, "BEGIN; UPDATE stock SET qty = 9 WHERE id <= 10; COMMIT")).code, "42501");
  // As on the server: the block BEGIN opened is now failed, and must be rolled back.
  assert.is((await failure(c, "SELECT 1")).code, "25P02");
  await c.query("ROLLBACK");
  assert.is(await changed(), 0);
  // An implicit transaction: the first change, within the cap, is undone with the second.
  assert.is((await failure(c, "UPDATE stock SET qty = 1 WHERE id = 1; UPDATE stock SET qty = 1 WHERE id > 1")).code, "42501");
  assert.is(await changed(), 0);
  await c.end();
});

test("MERGE and INSERT ... ON CONFLICT DO UPDATE are counted; a change whose rows cannot be counted is refused", async () => {
  await reset();
  const c = await client();
  assert.is((await failure(c, "MERGE INTO stock s USING (SELECT g FROM generate_series(1, 8) g) v ON s.id = v.g WHEN MATCHED AND s.id > 0 THEN UPDATE SET qty = 5")).code, "42501");
  assert.is((await failure(c, "INSERT INTO stock SELECT g, 6 FROM generate_series(1, 8) g ON CONFLICT (id) DO UPDATE SET qty = 6 WHERE stock.id > 0")).code, "42501");
  const cte = await failure(c, "WITH d AS (UPDATE stock SET qty = 7 WHERE id = 1 RETURNING id) SELECT count(*) FROM d");
  assert.is(cte.code, "42501");
  assert.match(cte.message!, /cannot count/);
  assert.is(await changed(), 0);
  // Adding rows is not a change of existing ones: no limit.
  assert.is((await c.query("INSERT INTO stock SELECT g, 0 FROM generate_series(21, 40) g")).rowCount, 20);
  await c.end();
});

test.run();
