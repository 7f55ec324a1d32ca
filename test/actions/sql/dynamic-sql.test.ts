import { test } from "uvu";
import * as assert from "uvu/assert";
import { normalizeSql, one } from "./support.js";

// SQL the gateway cannot see: procedural code (DO) and functions that run SQL text or read a relation
// named by a string. The statement is flagged, one reason per cause, so a policy can refuse it.

/** dynamic_sql and dynamic_reasons of a one-statement text. */
function dynamic(sql: string): [boolean, string[]] {
  const s = one(sql);
  return [s.dynamic_sql, s.dynamic_reasons];
}

test("DO blocks run procedural code, in either spelling, whatever they hold", () => {
  const block = one("DO $$ BEGIN EXECUTE 'DROP TABLE users'; END $$");
  assert.equal([block.command, block.category, block.dynamic_sql, block.dynamic_reasons], ["DO", "utility", true, ["DO block runs procedural code"]]);
  // The body is a string to the parser: the table it drops is not visible.
  assert.equal(block.tables, []);
  assert.equal(dynamic("DO LANGUAGE plpgsql $$ BEGIN PERFORM 1; END $$"), [true, ["DO block runs procedural code"]]);
  assert.equal(dynamic("DO $$ DECLARE q text := 'SELECT ssn FROM users'; BEGIN EXECUTE q; END $$ LANGUAGE plpgsql"), [true, ["DO block runs procedural code"]]);
});

test("EXECUTE in plain SQL runs a prepared statement, not a string", () => {
  // `format` here is the name of a prepared statement and its argument a parameter: nothing dynamic.
  const s = one("EXECUTE format('DELETE FROM %I', 'users')");
  assert.equal([s.command, s.prepared_name, s.dynamic_sql, s.tables], ["EXECUTE", "format", false, []]);
  const notSql = normalizeSql("EXECUTE 'DELETE FROM users'");
  assert.equal(notSql, { kind: "sql", statements: [], parse_error: { message: 'syntax error at or near "\'DELETE FROM users\'"', position: 8 } });
});

test("a function body holding EXECUTE is only defined, not run: DDL, not dynamic", () => {
  const s = one("CREATE FUNCTION purge() RETURNS void LANGUAGE plpgsql AS $$ BEGIN EXECUTE 'DELETE FROM users'; END $$");
  assert.equal([s.command, s.category, s.dynamic_sql, s.dynamic_reasons, s.tables], ["CREATE FUNCTION", "ddl", false, [], []]);
});

test("the XML export functions run the query or read the relation their string names", () => {
  assert.equal(dynamic("SELECT query_to_xml('SELECT * FROM users', true, false, '')"), [true, ["function query_to_xml runs SQL text"]]);
  assert.equal(dynamic("SELECT table_to_xml('users', true, false, '')"), [true, ["function table_to_xml runs SQL text"]]);
  assert.equal(dynamic("SELECT database_to_xml(true, false, '')"), [true, ["function database_to_xml runs SQL text"]]);
  assert.equal(dynamic("SELECT cursor_to_xml('c', 10, true, false, '')"), [true, ["function cursor_to_xml runs SQL text"]]);
});

test("dynamic functions are matched by bare name, whatever schema or letter case", () => {
  const qualified = one("SELECT pg_catalog.query_to_xml('select 1', true, true, '')");
  assert.equal([qualified.functions, qualified.dynamic_reasons], [["pg_catalog.query_to_xml"], ["function query_to_xml runs SQL text"]]);
  const shouted = one("SELECT Query_To_Xml('x', true, true, '')");
  assert.equal([shouted.functions, shouted.dynamic_reasons], [["query_to_xml"], ["function query_to_xml runs SQL text"]]);
  assert.equal(one('SELECT public."DBLINK"(\'c\', \'SELECT 1\')').dynamic_reasons, ["function dblink runs SQL text"]);
});

test("dblink in FROM and dblink_exec run SQL on another connection", () => {
  const read = one("SELECT * FROM dblink('host=x', 'SELECT ssn FROM users') AS t(ssn text)");
  assert.equal([read.functions, read.tables, read.dynamic_reasons], [["dblink"], [], ["function dblink runs SQL text"]]);
  assert.equal(dynamic("SELECT dblink_exec('conn', 'DELETE FROM users')"), [true, ["function dblink_exec runs SQL text"]]);
});

test("text search and tablefunc functions that take a query: ts_stat, crosstab, connectby", () => {
  assert.equal(dynamic("SELECT * FROM ts_stat('SELECT vector FROM docs')"), [true, ["function ts_stat runs SQL text"]]);
  assert.equal(dynamic("SELECT * FROM crosstab('select a, b, c from t') AS ct(a text, b int)"), [true, ["function crosstab runs SQL text"]]);
  assert.equal(dynamic("SELECT * FROM connectby('tree', 'id', 'parent', '1', 0) AS t(id int, parent int, level int)"), [true, ["function connectby runs SQL text"]]);
});

test("a dynamic function is found wherever it hides: subquery, CTE, WHERE, DML, CALL argument", () => {
  for (const sql of [
    "SELECT id FROM (SELECT query_to_xml('x', true, true, '') AS q) s",
    "WITH x AS (SELECT query_to_xml('x', true, true, '')) SELECT 1 FROM x",
    "SELECT id FROM users WHERE name = (SELECT query_to_xml('x', true, true, '')::text)",
    "UPDATE users SET name = query_to_xml('x', true, true, '')::text WHERE id = 1",
    "CALL log_it(query_to_xml('x', true, true, '')::text)",
  ]) {
    assert.equal(dynamic(sql), [true, ["function query_to_xml runs SQL text"]], sql);
  }
});

test("each cause is one reason, in order, and none is repeated", () => {
  const s = one("SELECT query_to_xml('a', true, true, ''), dblink_exec('c', 'x'), query_to_xml('b', true, true, '')");
  assert.equal([s.functions, s.dynamic_reasons], [
    ["query_to_xml", "dblink_exec"],
    ["function query_to_xml runs SQL text", "function dblink_exec runs SQL text"],
  ]);
});

test("ordinary functions are listed but not dynamic, and a flag never spills into the next statement", () => {
  const plain = one("SELECT now(), pg_catalog.now(), pg_sleep(1), lo_export(1, '/tmp/x')");
  assert.equal([plain.functions, plain.dynamic_sql, plain.dynamic_reasons], [["now", "pg_catalog.now", "pg_sleep", "lo_export"], false, []]);
  const call = one("CALL maint.cleanup((SELECT max(id) FROM users))");
  assert.equal([call.command, call.functions, call.dynamic_sql], ["CALL", ["maint.cleanup", "max"], false]);
  const both = normalizeSql("DO $$ BEGIN NULL; END $$; SELECT 1").statements;
  assert.equal(
    both.map((s) => s.dynamic_sql),
    [true, false],
  );
});

test.run();
