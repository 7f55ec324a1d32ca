import { test } from "uvu";
import * as assert from "uvu/assert";
import type { SqlStatement } from "../../../engine/actions/sql/index.js";
import { one } from "./support.js";

// MERGE, UPDATE … FROM, DELETE … USING and INSERT … ON CONFLICT DO UPDATE change existing rows: each
// such change is a write with its own bound, which only a comparison of the target's own columns with
// values the statement gives (or CURRENT OF) provides.

/** Writes as `DELETE orders via MERGE bounded=false`. */
function writes(statement: SqlStatement): string[] {
  return statement.writes.map((w) => `${w.command} ${w.table.name}${w.via ? ` via ${w.via}` : ""} bounded=${String(w.where_bounded)}`);
}

test("each MERGE action is a write of its own; a join with a table does not bound the matched rows", () => {
  const s = one(
    "MERGE INTO orders o USING users u ON o.user_id = u.id WHEN MATCHED AND o.id = 1 THEN UPDATE SET note = 'x' WHEN MATCHED THEN DELETE WHEN NOT MATCHED THEN INSERT (id) VALUES (u.id)",
  );
  assert.equal(writes(s), ["MERGE orders bounded=null", "UPDATE orders via MERGE bounded=true", "DELETE orders via MERGE bounded=false", "INSERT orders via MERGE bounded=null"]);
  assert.is(s.where_bounded, false);
});

test("MERGE: a condition about the source only, or ON true, does not bound; literal source rows do", () => {
  for (const sql of [
    "MERGE INTO orders o USING users u ON o.user_id = u.id WHEN MATCHED AND u.name IS NOT NULL THEN DELETE",
    "MERGE INTO orders o USING (SELECT 1 AS k) s ON true WHEN MATCHED THEN DELETE",
    "MERGE INTO orders o USING (SELECT generate_series(1, 100) AS id) s ON o.id = s.id WHEN MATCHED THEN DELETE",
    "MERGE INTO orders o USING generate_series(1, 100) g(id) ON o.id = g.id WHEN MATCHED THEN DELETE",
    "MERGE INTO orders o USING (VALUES (1)) v(id) ON o.id = v.id WHEN NOT MATCHED BY SOURCE THEN DELETE",
  ]) {
    assert.equal(one(sql).where_bounded, false, sql);
  }
  for (const sql of [
    "MERGE INTO orders o USING (VALUES (1), (2)) v(id) ON o.id = v.id WHEN MATCHED THEN DELETE",
    "MERGE INTO orders o USING (SELECT 5 AS id) s ON s.id = o.id WHEN MATCHED THEN UPDATE SET note = 'x'",
    "MERGE INTO orders o USING users u ON o.user_id = u.id WHEN MATCHED AND o.id BETWEEN 1 AND 3 THEN DELETE",
    "MERGE INTO orders o USING (VALUES (1)) v(id) ON o.id = v.id WHEN NOT MATCHED BY SOURCE AND o.id = 9 THEN DELETE",
  ]) {
    assert.equal(one(sql).where_bounded, true, sql);
  }
});

test("DELETE … USING and UPDATE … FROM: only the target's own columns bound", () => {
  for (const sql of [
    "DELETE FROM orders USING users WHERE name IS NOT NULL",
    "DELETE FROM orders USING users WHERE users.name = 'Ada'",
    "UPDATE orders SET note = 'x' FROM users u WHERE u.id = 1",
    "UPDATE orders o SET note = 'x' FROM users u WHERE o.user_id = u.id",
    // Unqualified, `id` may be either table's column: not known to be the target's.
    "UPDATE orders SET note = 'x' FROM users WHERE id = 1",
    "UPDATE orders o SET note = 'x' FROM generate_series(1, 9) g(id) WHERE o.id = g.id",
  ]) {
    assert.equal(one(sql).where_bounded, false, sql);
  }
  for (const sql of [
    "DELETE FROM orders o USING users u WHERE o.user_id = u.id AND o.id IN (1, 2)",
    "UPDATE orders o SET note = v.note FROM (VALUES (1, 'a'), (2, 'b')) v(id, note) WHERE o.id = v.id",
    "UPDATE orders SET note = 'x' FROM users WHERE orders.id = 1",
  ]) {
    assert.equal(one(sql).where_bounded, true, sql);
  }
});

test("which predicates bound: positive comparisons with given values; negations, self-comparisons, OR with an unbounded side do not", () => {
  const bounded = [
    "id = 1", "id = $1", "1 = id", "id < 10", "note LIKE 'a%'", "id IN (1, 2)", "id = ANY ($1)", "id BETWEEN 1 AND 2",
    "note IS NULL", "id = 1 OR id = 2", "user_id = 1 AND amount > amount", "id IS NOT DISTINCT FROM 3", "(id, user_id) = (1, 2)",
    "id = lower('x')::int", "orders.id = 1", "id = ANY (ARRAY[1, 2])", "5 = ANY (tags)",
    "lower(note) = 'order 1'", "id::text = '1'", "date_trunc('day', created) = '2020-01-01'",
  ];
  const unbounded = [
    "true", "id = id", "id <> 1", "id NOT IN (1)", "note IS NOT NULL", "NOT (id = 1)", "id = 1 OR true", "note NOT LIKE 'a%'",
    "id IN (SELECT 1)", "id = (SELECT 1)", "id IS DISTINCT FROM 3", "id NOT BETWEEN 1 AND 2", "orders IS NULL",
    // Computed from the target's columns, these hold on every row.
    "id - id = 0", "(id = id) = true", "(id <> 1) = true", "coalesce(id, 0) = coalesce(id, 0)", "id * 0 = 0", "lower(note) = lower(note)",
    "concat(id, user_id) = '12'", "random_fn(id) = 1", "lower(note || note) = 'x'",
    "id IN (1, id)", "id = ANY (ARRAY(SELECT id FROM orders))", "(id, user_id) = (1, user_id)",
  ];
  for (const where of bounded) assert.is(one(`DELETE FROM orders WHERE ${where}`).where_bounded, true, where);
  for (const where of unbounded) assert.is(one(`DELETE FROM orders WHERE ${where}`).where_bounded, false, where);
});

test("INSERT … ON CONFLICT DO UPDATE updates existing rows: bounded by literal rows or its own WHERE", () => {
  const fromTable = one("INSERT INTO orders SELECT * FROM orders ON CONFLICT (id) DO UPDATE SET note = 'x'");
  assert.equal(writes(fromTable), ["INSERT orders bounded=null", "UPDATE orders via INSERT ON CONFLICT bounded=false"]);
  assert.is(fromTable.where_bounded, false);
  for (const sql of [
    "INSERT INTO orders SELECT * FROM orders ON CONFLICT (id) DO UPDATE SET note = 'x' WHERE orders.id = excluded.id",
    "INSERT INTO orders SELECT generate_series(1, 100) ON CONFLICT (id) DO UPDATE SET note = 'x'",
    "INSERT INTO orders SELECT 1 UNION SELECT 2 ON CONFLICT (id) DO UPDATE SET note = 'x'",
  ]) {
    assert.is(one(sql).where_bounded, false, sql);
  }
  for (const sql of [
    "INSERT INTO orders VALUES (1, 1, 1.0, 'a') ON CONFLICT (id) DO UPDATE SET note = excluded.note",
    "INSERT INTO orders SELECT 1, 1, 1.0, 'a' ON CONFLICT (id) DO UPDATE SET note = 'x'",
    "INSERT INTO orders AS o SELECT * FROM orders ON CONFLICT (id) DO UPDATE SET note = 'x' WHERE o.id = 8",
  ]) {
    assert.is(one(sql).where_bounded, true, sql);
  }
  assert.equal(writes(one("INSERT INTO orders SELECT * FROM orders ON CONFLICT DO NOTHING")), ["INSERT orders bounded=null"]);
});

test("a rule's actions are writes judged when the rule is made: they run with every later statement on its table", () => {
  assert.equal(writes(one("CREATE RULE wipe AS ON INSERT TO scratch DO ALSO DELETE FROM orders")), ["DELETE orders bounded=false"]);
  assert.equal(writes(one("CREATE RULE one AS ON INSERT TO scratch DO ALSO DELETE FROM orders WHERE id = 1")), ["DELETE orders bounded=true"]);
  // OLD and NEW stand for every row the later statement touches: they do not bound.
  assert.equal(writes(one("CREATE RULE sync AS ON UPDATE TO scratch DO ALSO UPDATE orders SET note = NEW.note WHERE id = OLD.id")), ["UPDATE orders bounded=false"]);
});

test("writable CTEs and EXPLAIN ANALYZE keep the bound of each write inside", () => {
  const cte = one("WITH m AS (DELETE FROM orders o USING users u WHERE u.id = o.user_id RETURNING o.id) SELECT count(*) FROM m");
  assert.equal(writes(cte), ["DELETE orders bounded=false"]);
  const explain = one("EXPLAIN ANALYZE MERGE INTO orders o USING users u ON o.user_id = u.id WHEN MATCHED THEN DELETE");
  assert.equal([explain.explain, writes(explain), explain.where_bounded], [{ analyze: true }, ["MERGE orders bounded=null", "DELETE orders via MERGE bounded=false"], false]);
  const conflict = one("EXPLAIN (ANALYZE) INSERT INTO orders SELECT * FROM orders ON CONFLICT (id) DO UPDATE SET note = 'x'");
  assert.is(conflict.where_bounded, false);
});

test.run();
