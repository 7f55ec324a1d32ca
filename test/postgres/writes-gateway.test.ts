import pg from "pg";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { startGatewayUnderTest, type GatewayUnderTest } from "../support/pg-gateway.js";

/**
 * Every form of data change is a write with its own bound: MERGE's WHEN clauses, UPDATE … FROM,
 * DELETE … USING, INSERT … ON CONFLICT DO UPDATE, data-modifying CTEs, and all of them under EXPLAIN
 * ANALYZE. The default policy denies a write that no predicate on the target's own columns bounds, so
 * each attempt below, sent by alice through node-postgres, must be refused with 42501 and leave the
 * orders table exactly as it was (checked on the server itself, not through the gateway).
 */

const UNBOUNDED: [name: string, sql: string][] = [
  ["MERGE … WHEN MATCHED THEN DELETE", "MERGE INTO orders o USING users u ON o.user_id = u.id WHEN MATCHED THEN DELETE"],
  ["MERGE … WHEN MATCHED THEN UPDATE", "MERGE INTO orders o USING users u ON o.user_id = u.id WHEN MATCHED THEN UPDATE SET note = 'gone'"],
  ["MERGE on a constant source joined by true", "MERGE INTO orders o USING (SELECT 1 AS k) s ON true WHEN MATCHED THEN DELETE"],
  ["MERGE whose WHEN condition is about the source", "MERGE INTO orders o USING users u ON o.user_id = u.id WHEN MATCHED AND u.name IS NOT NULL THEN DELETE"],
  ["MERGE with a bounded and an unbounded action", "MERGE INTO orders o USING users u ON o.user_id = u.id WHEN MATCHED AND o.id = 1 THEN UPDATE SET note = 'one' WHEN MATCHED THEN DELETE"],
  ["DELETE … USING bounded by another table's column", "DELETE FROM orders USING users WHERE users.name IS NOT NULL"],
  ["DELETE … USING with a join condition only", "DELETE FROM orders o USING users u WHERE o.user_id = u.id"],
  ["DELETE … USING with a join and the other table's filter", "DELETE FROM orders o USING users u WHERE o.user_id = u.id AND u.age > 0"],
  ["UPDATE … FROM bounded by another table's column", "UPDATE orders SET note = 'x' FROM users u WHERE u.name IS NOT NULL"],
  ["UPDATE … FROM with a join condition only", "UPDATE orders o SET note = 'x' FROM users u WHERE o.user_id = u.id"],
  ["INSERT … SELECT … ON CONFLICT DO UPDATE", "INSERT INTO orders SELECT * FROM orders ON CONFLICT (id) DO UPDATE SET note = 'overwritten'"],
  ["INSERT … SELECT … ON CONFLICT DO UPDATE WHERE on excluded", "INSERT INTO orders SELECT * FROM orders ON CONFLICT (id) DO UPDATE SET note = 'x' WHERE orders.id = excluded.id"],
  ["a semi-join through IN (subquery)", "DELETE FROM orders WHERE user_id IN (SELECT id FROM users)"],
  ["a semi-join through EXISTS", "DELETE FROM orders o WHERE EXISTS (SELECT 1 FROM users u WHERE u.id = o.user_id)"],
  ["a WHERE comparing the target with itself", "DELETE FROM orders WHERE id = id"],
  ["a whole-row test", "DELETE FROM orders o WHERE o IS NOT NULL"],
  ["an OR with an unbounded side", "DELETE FROM orders WHERE id = 1 OR amount > amount - 1"],
  ["a tautology computed from the target's own column", "DELETE FROM orders WHERE id - id = 0"],
  ["a comparison of a comparison", "UPDATE orders SET note = 'x' WHERE (id = id) = true"],
  ["a negated key", "DELETE FROM orders WHERE id <> 0"],
  ["a data-modifying CTE using another table", "WITH d AS (DELETE FROM orders o USING users u WHERE u.id = o.user_id RETURNING o.id) SELECT count(*) FROM d"],
  ["a MERGE in a transaction block", "BEGIN; MERGE INTO orders o USING users u ON o.user_id = u.id WHEN MATCHED THEN DELETE; COMMIT"],
  ["a rule whose action deletes every order", "CREATE RULE wipe AS ON INSERT TO scratch DO ALSO DELETE FROM orders; INSERT INTO scratch VALUES (1)"],
  ["a rule whose action updates every order through a join", "CREATE RULE touch AS ON INSERT TO scratch DO ALSO UPDATE orders o SET note = 'r' FROM users u WHERE o.user_id = u.id; INSERT INTO scratch VALUES (2)"],
  ["EXPLAIN ANALYZE MERGE", "EXPLAIN ANALYZE MERGE INTO orders o USING users u ON o.user_id = u.id WHEN MATCHED THEN DELETE"],
  ["EXPLAIN ANALYZE DELETE … USING", "EXPLAIN (ANALYZE) DELETE FROM orders USING users WHERE users.name IS NOT NULL"],
  ["EXPLAIN ANALYZE INSERT … ON CONFLICT DO UPDATE", "EXPLAIN (ANALYZE true, COSTS off) INSERT INTO orders SELECT * FROM orders ON CONFLICT (id) DO UPDATE SET note = 'x'"],
];

let g: GatewayUnderTest;
let client: pg.Client;

test.before(async () => {
  g = await startGatewayUnderTest();
  await g.pg.query("CREATE TABLE orders_saved AS SELECT * FROM orders; CREATE TABLE scratch (id int); GRANT ALL ON scratch TO gateway; ALTER TABLE scratch OWNER TO gateway");
  client = new pg.Client({ host: "127.0.0.1", port: g.gateway.port, user: "alice", database: "demo", password: await g.token() });
  await client.connect();
});
test.after(async () => {
  await client?.end();
  await g?.stop();
});

/** The orders table as the server holds it: every row, in order. */
async function orders(): Promise<string> {
  const r = await g.pg.query<{ t: string }>("SELECT coalesce(string_agg(o::text, ';' ORDER BY id), '') AS t FROM orders o");
  return r.rows[0]!.t;
}

for (const [name, sql] of UNBOUNDED) {
  test(`denied, orders unchanged: ${name}`, async () => {
    const before = await orders();
    assert.ok(before.split(";").length === 20, before);
    const error = await client.query(sql).then(
      () => new Error("allowed"),
      (e: Error) => e,
    );
    await client.query("ROLLBACK").catch(() => undefined);
    const after = await orders();
    // Put the rows back, so that one failure does not hide the outcome of the next attempt.
    if (after !== before) await g.pg.query("BEGIN; DELETE FROM orders; INSERT INTO orders SELECT * FROM orders_saved; COMMIT");
    assert.is(after, before, sql);
    assert.is((error as pg.DatabaseError).code, "42501", `${sql}: ${error.message}`);
    assert.match(error.message, /Portcullis denied this statement/);
    assert.match(error.message, /without (WHERE|a condition on its own columns)/);
  });
}

test("writes bounded by the target's own columns still run", async () => {
  await client.query("BEGIN");
  try {
    const cases: [string, number][] = [
      ["UPDATE orders SET note = 'one' WHERE id = 1", 1],
      ["UPDATE orders o SET note = 'two' FROM users u WHERE o.user_id = u.id AND o.id = 2", 1],
      ["DELETE FROM orders o USING users u WHERE o.user_id = u.id AND o.id IN (3, 4)", 2],
      ["MERGE INTO orders o USING (VALUES (5, 'five')) v(id, note) ON o.id = v.id WHEN MATCHED THEN UPDATE SET note = v.note", 1],
      ["MERGE INTO orders o USING users u ON o.user_id = u.id WHEN MATCHED AND o.id = 6 THEN DELETE", 1],
      ["INSERT INTO orders VALUES (7, 1, 1.00, 'seven') ON CONFLICT (id) DO UPDATE SET note = excluded.note", 1],
      ["INSERT INTO orders SELECT * FROM orders ON CONFLICT (id) DO UPDATE SET note = 'eight' WHERE orders.id = 8", 1],
      ["DELETE FROM orders WHERE id = $1", 1],
    ];
    for (const [sql, rows] of cases) {
      const r = await client.query(sql, sql.includes("$1") ? [9] : undefined);
      assert.is(r.rowCount, rows, sql);
    }
    const server = await client.query("SELECT count(*)::int AS n FROM orders");
    assert.is(server.rows[0].n, 16);
  } finally {
    await client.query("ROLLBACK");
  }
  assert.is((await orders()).split(";").length, 20);
});

test.run();
