import pg from "pg";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { startGatewayUnderTest, type GatewayUnderTest } from "../support/pg-gateway.js";

let g: GatewayUnderTest;
let client: pg.Client;

async function connect(): Promise<pg.Client> {
  const c = new pg.Client({ host: "127.0.0.1", port: g.gateway.port, user: "alice", database: "demo", password: await g.token() });
  await c.connect();
  return c;
}

test.before(async () => {
  g = await startGatewayUnderTest();
  client = await connect();
});
test.after(async () => {
  await client?.end();
  await g?.stop();
});

test("parameterized queries run through Parse/Bind/Execute", async () => {
  const r = await client.query("SELECT name FROM users WHERE id = $1", [2]);
  assert.equal(r.rows, [{ name: "Grace" }]);
});

test("named prepared statements run again and again", async () => {
  for (const id of [1, 2, 3]) {
    const r = await client.query({ name: "by-id", text: "SELECT id, name FROM users WHERE id = $1", values: [id] });
    assert.is(r.rows[0].id, id);
  }
});

test("a denied Parse gets 42501 and the connection keeps working", async () => {
  try {
    await client.query("DELETE FROM orders WHERE $1::int IS NULL OR true", []);
  } catch {
    // not necessarily denied: the point is the next one
  }
  const denied = await client.query("UPDATE orders SET amount = $1", [0]).then(
    () => undefined,
    (e: pg.DatabaseError) => e,
  );
  assert.ok(denied, "the unbounded UPDATE must fail");
  assert.is(denied!.code, "42501");
  assert.match(denied!.message, /Portcullis denied this statement/);
  const r = await client.query("SELECT count(*)::int AS n FROM orders WHERE amount > $1", [0]);
  assert.is(r.rows[0].n, 20);
});

test("masked columns are masked in extended-protocol results, and the column type says text", async () => {
  const r = await client.query("SELECT id, email, ssn, age FROM users WHERE id = $1", [1]);
  assert.equal(r.rows, [{ id: 1, email: "****", ssn: "*******6789", age: 36 }]);
  assert.is(r.fields.find((f) => f.name === "email")!.dataTypeID, 25);
});

test("masked columns are masked in binary-format results", async () => {
  // node-postgres's `binary` option asks for every result column in binary format; values arrive raw.
  const config = { text: "SELECT id, email, ssn FROM users WHERE id = $1", values: [2], binary: true, types: { getTypeParser: () => (v: unknown) => (Buffer.isBuffer(v) ? v.toString("utf8") : v) } };
  const r = await client.query(config as pg.QueryConfig);
  const row = r.rows[0] as Record<string, string>;
  assert.is(row.email, "****");
  assert.is(row.ssn, "*******4321");
});

test("a denial inside a transaction block fails it as a server error would: nothing commits", async () => {
  await client.query("BEGIN");
  await client.query("INSERT INTO orders (id, user_id, amount, note) VALUES ($1, 1, 5, 'tx')", [100]);
  const denied = await client.query("DELETE FROM orders").then(
    () => undefined,
    (error: { code?: string }) => error.code,
  );
  assert.is(denied, "42501");
  // The server's own transaction is failed: the next statement is refused by the server itself.
  const next = await client.query("SELECT 1").then(
    () => undefined,
    (error: { code?: string }) => error.code,
  );
  assert.is(next, "25P02");
  const commit = await client.query("COMMIT");
  assert.is(commit.command, "ROLLBACK");
  const r = await client.query("SELECT note FROM orders WHERE id = 100");
  assert.equal(r.rows, []);
});

test("pipelined queries from several clients at once all get their own answers", async () => {
  const clients = await Promise.all([connect(), connect(), connect()]);
  const results = await Promise.all(
    clients.flatMap((c, i) => [c.query("SELECT $1::int AS v", [i]), c.query("SELECT email FROM users WHERE id = 1"), c.query("SELECT $1::text AS t", [`c${i}`])]),
  );
  assert.is(results.length, 9);
  assert.is(results[1]!.rows[0].email, "****");
  assert.is(results[8]!.rows[0].t, "c2");
  await Promise.all(clients.map((c) => c.end()));
});

test.run();
