import { test } from "uvu";
import * as assert from "uvu/assert";
import { fingerprintSql } from "../../../engine/actions/sql/fingerprint.js";
import { withOtherLiterals } from "../../../engine/actions/sql/action-cache.js";

// The literal-stripping scanner behind the action cache: texts that differ only in stripped literals
// share a key; anything the scanner does not read exactly as PostgreSQL does gives no key at all.

const key = (sql: string): string | undefined => fingerprintSql(sql)?.key;

test("literals in value positions are stripped: the same shape with other values shares a key", () => {
  assert.ok(key("SELECT abalance FROM pgbench_accounts WHERE aid = 5;"));
  assert.is(key("SELECT abalance FROM pgbench_accounts WHERE aid = 5;"), key("SELECT abalance FROM pgbench_accounts WHERE aid = 98765;"));
  assert.is(key("SELECT * FROM t WHERE a = 'x' LIMIT 10"), key("SELECT * FROM t WHERE a = 'it''s' LIMIT 200"));
  assert.is(key("UPDATE t SET a = 1 WHERE id >= 2"), key("UPDATE t SET a = 3 WHERE id >= 4"));
});

test("literals of another kind or size class, and literals elsewhere, make another key", () => {
  assert.is.not(key("SELECT * FROM t WHERE a = 5"), key("SELECT * FROM t WHERE a = '5'"));
  assert.is.not(key("SELECT * FROM t WHERE a = 5"), key("SELECT * FROM t WHERE a = 5.0"));
  assert.is.not(key("SELECT * FROM t WHERE a = 5"), key("SELECT * FROM t WHERE a = 12345678901"));
  // Not after a comparison or LIMIT/OFFSET: the value stays in the key (ORDER BY 1 names a column).
  assert.is.not(key("SELECT a, b FROM t ORDER BY 1"), key("SELECT a, b FROM t ORDER BY 2"));
  assert.is.not(key("INSERT INTO t VALUES (1)"), key("INSERT INTO t VALUES (2)"));
  // Before a cast or a call the value may be a name.
  assert.is.not(key("SELECT * FROM pg_class WHERE oid = 'users'::regclass"), key("SELECT * FROM pg_class WHERE oid = 'orders'::regclass"));
  // A minus glued to the comparison makes another operator token: not stripped.
  assert.is.not(key("SELECT * FROM t WHERE a =-1"), key("SELECT * FROM t WHERE a =-2"));
});

test("anything the scanner does not read exactly as the server does gives no key", () => {
  for (const sql of [
    "SELECT 1 -- comment\n; DELETE FROM users",
    "SELECT 1 /* ; DROP TABLE users */",
    "SELECT $$ it's $$",
    "SELECT $a$ ' $a$",
    "SELECT * FROM users WHERE name = E'\\''",
    "SELECT * FROM users WHERE name = 'a\\'",
    "SELECT * FROM users WHERE name = U&'x'",
    'SELECT U&"x" FROM t',
    "SELECT * FROM users WHERE name = B'101'",
    "SELECT * FROM users WHERE name = 'a'\n'b'",
    "SELECT * FROM users WHERE name = 'é'",
    "SELECT * FROM users WHERE id = 1_000",
    "SELECT * FROM users WHERE id = 0x1F",
    "SELECT * FROM users WHERE id = 1e",
    "SELECT a$b FROM t",
    "SELECT * FROM t WHERE a = 'unterminated",
    "SELECT 1\u0000",
    "",
  ]) {
    assert.is(fingerprintSql(sql), undefined, JSON.stringify(sql));
  }
});

test("parameters ($1) are kept as they are", () => {
  assert.is(key("SELECT * FROM t WHERE a = $1"), "SELECT * FROM t WHERE a = $1");
});

test("the check's other values keep each literal's kind and length", () => {
  const sql = "SELECT * FROM t WHERE a = 'x' AND b = 12 AND c = 0.5 LIMIT 9";
  const print = fingerprintSql(sql)!;
  const other = withOtherLiterals(sql, print.literals);
  assert.is(other, "SELECT * FROM t WHERE a = 'y' AND b = 23 AND c = 1.6 LIMIT 0");
  assert.is(key(other), print.key);
});

test.run();
