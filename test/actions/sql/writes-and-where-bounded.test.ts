import { test } from "uvu";
import * as assert from "uvu/assert";
import { normalizeSql, one, writes } from "./support.js";

// Every data change a statement makes, wherever the text puts it, and whether an UPDATE or DELETE is
// bounded by its WHERE clause. A WHERE clause bounds the rows only when it compares the target's own
// columns with values the statement gives: a constant condition, one about another table, a join
// condition or a subquery may touch every row.

test("UPDATE and DELETE with a WHERE on the target's columns are bounded", () => {
  const update = one("UPDATE users SET email = 'x' WHERE id = 1");
  assert.equal(update.writes, [{ command: "UPDATE", table: { schema: null, name: "users" }, where_bounded: true }]);
  assert.is(update.where_bounded, true);
  const remove = one("DELETE FROM public.users WHERE id = 1");
  assert.equal(remove.writes, [{ command: "DELETE", table: { schema: "public", name: "users" }, where_bounded: true }]);
  assert.is(remove.where_bounded, true);
});

test("UPDATE and DELETE without WHERE are unbounded", () => {
  const update = one("UPDATE users SET email = 'x'");
  assert.equal([writes(update), update.where_bounded], [["UPDATE users bounded=false"], false]);
  const remove = one("DELETE FROM users");
  assert.equal([writes(remove), remove.where_bounded], [["DELETE users bounded=false"], false]);
});

test("a WHERE clause that does not depend on the row does not bound it", () => {
  for (const sql of [
    "UPDATE users SET email = 'x' WHERE 1 = 1",
    "DELETE FROM users WHERE true",
    "DELETE FROM users WHERE now() > '2000-01-01'",
    // Columns of another table, in an uncorrelated subquery: the answer is the same for every row.
    "DELETE FROM orders WHERE EXISTS (SELECT 1 FROM users WHERE users.id = 1)",
    "DELETE FROM orders WHERE 1 IN (SELECT id FROM users)",
    "UPDATE orders SET total = 0 FROM users WHERE users.id = 1",
    // A join condition, a semi-join or a whole-row test can match every row of the target.
    "DELETE FROM orders o USING users u WHERE o.user_id = u.id AND u.banned",
    "UPDATE orders SET total = total * 1.1 WHERE user_id IN (SELECT id FROM users WHERE name = 'Ada')",
    "DELETE FROM orders o WHERE EXISTS (SELECT 1 FROM users u WHERE u.id = o.user_id)",
    "DELETE FROM orders o WHERE 5 IN (SELECT o.total)",
    "DELETE FROM orders o WHERE o IS NOT NULL",
  ]) {
    assert.equal(one(sql).where_bounded, false, sql);
  }
});

test("a comparison of the target's own columns with given values, or CURRENT OF, bounds the rows", () => {
  for (const sql of [
    "DELETE FROM orders o USING users u WHERE o.user_id = u.id AND o.id = 7",
    "UPDATE orders SET total = total * 1.1 WHERE user_id = $1",
    "UPDATE orders SET total = 0 WHERE CURRENT OF big_orders",
  ]) {
    assert.equal(one(sql).where_bounded, true, sql);
  }
});

test("INSERT, MERGE, TRUNCATE and COPY FROM are writes with no WHERE to bound them", () => {
  const insert = one("INSERT INTO orders (user_id, total) VALUES (7, 19.99)");
  assert.equal([writes(insert), insert.where_bounded], [["INSERT orders bounded=null"], null]);
  const merge = one("MERGE INTO orders o USING users u ON o.user_id = u.id WHEN NOT MATCHED THEN INSERT VALUES (u.id)");
  assert.equal([writes(merge), merge.where_bounded], [["MERGE orders bounded=null", "INSERT orders bounded=null"], null]);
  const truncate = one("TRUNCATE users, audit.events");
  assert.equal([writes(truncate), truncate.where_bounded], [["TRUNCATE users bounded=null", "TRUNCATE audit.events bounded=null"], null]);
  const copy = one("COPY public.orders FROM STDIN");
  assert.equal([writes(copy), copy.where_bounded], [["COPY public.orders bounded=null"], null]);
});

test("reading statements write nothing: COPY out, SELECT, LOCK", () => {
  assert.equal(one("COPY orders TO STDOUT").writes, []);
  assert.equal(one("SELECT * FROM orders FOR UPDATE").writes, []);
  assert.equal(one("LOCK TABLE orders").writes, []);
});

test("data-modifying CTEs: every write is listed, and one unbounded write makes the statement unbounded", () => {
  const archive = one("WITH d AS (DELETE FROM orders WHERE created < now() RETURNING *) INSERT INTO archive SELECT * FROM d");
  assert.equal([archive.command, writes(archive), archive.where_bounded], ["INSERT", ["DELETE orders bounded=true", "INSERT archive bounded=null"], true]);
  const gone = one("WITH gone AS (DELETE FROM orders RETURNING id) SELECT count(*) FROM gone");
  assert.equal([gone.command, gone.category, writes(gone), gone.where_bounded], ["SELECT", "query", ["DELETE orders bounded=false"], false]);
  const mixed = one(
    "WITH a AS (UPDATE orders SET total = 0 WHERE id = 1 RETURNING id), b AS (DELETE FROM carts RETURNING id) SELECT * FROM a, b",
  );
  assert.equal([writes(mixed), mixed.where_bounded], [["UPDATE orders bounded=true", "DELETE carts bounded=false"], false]);
});

test("a write inside a data-modifying CTE's WHERE subquery is still judged by its own target", () => {
  const s = one("WITH d AS (DELETE FROM sessions s WHERE s.user_id IN (SELECT id FROM users WHERE banned) AND s.id < 100 RETURNING s.id) SELECT count(*) FROM d");
  assert.equal(writes(s), ["DELETE sessions bounded=true"]);
});

test("EXPLAIN ANALYZE, PREPARE and COPY (DELETE … RETURNING) carry the writes of their statement", () => {
  const explain = one("EXPLAIN ANALYZE DELETE FROM orders");
  assert.equal([explain.explain, writes(explain), explain.where_bounded], [{ analyze: true }, ["DELETE orders bounded=false"], false]);
  // Plain EXPLAIN does not run it, but the document still says what it would do.
  assert.equal(writes(one("EXPLAIN DELETE FROM orders")), ["DELETE orders bounded=false"]);
  const prepare = one("PREPARE purge AS DELETE FROM orders");
  assert.equal([prepare.prepared_name, writes(prepare), prepare.where_bounded], ["purge", ["DELETE orders bounded=false"], false]);
  assert.equal(writes(one("COPY (DELETE FROM orders WHERE id = 2 RETURNING *) TO STDOUT")), ["DELETE orders bounded=true"]);
});

test("bounds are per statement: a bounded and an unbounded DELETE in one text", () => {
  const action = normalizeSql("DELETE FROM a WHERE id = 1; DELETE FROM b; SELECT 1");
  assert.equal(
    action.statements.map((s) => s.where_bounded),
    [true, false, null],
  );
});

test.run();
