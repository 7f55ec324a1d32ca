import { parseSync } from "libpg-query";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { countStatements } from "../../../engine/actions/sql/statement-count.js";
import { normalizeSql } from "./support.js";

// Analysis must be linear in the statements of one message: the gateway's one event loop serves
// every session while it runs.

function message(count: number, word = "name"): string {
  return Array.from({ length: count }, (_, i) => `SELECT id, ${word} FROM users WHERE id = ${i}`).join(";\n");
}

function timed(sql: string): { ms: number; statements: number } {
  const started = performance.now();
  const action = normalizeSql(sql, { maxBytes: 64 * 1024 * 1024 });
  assert.is(action.parse_error, undefined);
  return { ms: performance.now() - started, statements: action.statements.length };
}

test("100,000 statements are analysed within a fixed bound, and doubling them does not quadruple the time", () => {
  timed(message(2_000));
  const big = timed(message(100_000));
  assert.is(big.statements, 100_000);
  console.log(`100,000 statements analysed in ${big.ms.toFixed(0)} ms`);
  assert.ok(big.ms < 40_000, `${big.ms.toFixed(0)} ms`);
  const half = timed(message(20_000));
  const full = timed(message(40_000));
  assert.ok(full.ms < half.ms * 3.5, `20k: ${half.ms.toFixed(0)} ms, 40k: ${full.ms.toFixed(0)} ms`);
});

test("non-ASCII text is cut per statement on character boundaries, in linear time", () => {
  const sql = message(20_000, "'é😀' AS nom");
  const result = timed(sql);
  assert.is(result.statements, 20_000);
  const action = normalizeSql("SELECT 'é😀' AS a; SELECT 'ü' AS b");
  assert.equal(action.statements.map((s) => s.text), ["SELECT 'é😀' AS a", "SELECT 'ü' AS b"]);
});

test("the statement counter agrees with the parser on where statements end", () => {
  const cases = [
    "SELECT 1",
    "SELECT 1;",
    "SELECT 1;;; ;",
    "SELECT ';' AS a; SELECT 2",
    "SELECT E'\\';' AS a; SELECT 2",
    "SELECT 'a'';' AS a; SELECT 2",
    'SELECT 1 AS "x;y"; SELECT 2',
    "SELECT $$;$$; SELECT $a$ ; $b$ ; $a$",
    "SELECT 1 -- ;\n; SELECT 2",
    "SELECT 1 -- ;\r; SELECT 2",
    "SELECT /* ; /* ; */ ; */ 1; SELECT 2",
    "/* only a comment */",
    "-- only a comment",
    "SELECT U&'d;0061' AS u; SELECT 2",
    "SELECT B'101', X'1F'; SELECT 2",
    "PREPARE p AS SELECT $1::int; EXECUTE p(1)",
    "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $body$ SELECT 1; SELECT 2 $body$; SELECT 3",
    "SELECT a$b FROM (SELECT 1 AS a$b) s; SELECT 2",
    "SELECT e'x\\';' AS a; SELECT 2",
  ];
  for (const sql of cases) {
    const parsed = (parseSync(sql) as { stmts?: unknown[] }).stmts?.length ?? 0;
    assert.is(countStatements(sql), parsed, sql);
  }
  assert.is(countStatements(message(50), 10), 11, "stops counting past the limit");
});

test.run();
