import { test } from "uvu";
import * as assert from "uvu/assert";
import { DEFAULT_MAX_SQL_BYTES } from "../../../engine/actions/sql/index.js";
import { normalizeSql } from "./support.js";

// The normalizer never throws: text that does not parse, is too large or too deep to analyse becomes an
// action with `parse_error` (position = 0-based character offset) and no statements, which policies deny.

test("an empty query has no statements and no parse error (the server answers EmptyQueryResponse)", () => {
  assert.equal(normalizeSql(""), { kind: "sql", statements: [] });
  assert.equal(normalizeSql("  ;; -- nothing here\n /* nor here */ ;"), { kind: "sql", statements: [] });
  assert.not.ok("parse_error" in normalizeSql(""));
});

test("only what the server's scanner sees as comment is blank: a `--` comment ends at a carriage return", () => {
  const hidden = normalizeSql("-- harmless\rDELETE FROM orders");
  assert.equal(
    hidden.statements.map((s) => [s.command, s.text, s.where_bounded]),
    [["DELETE", "DELETE FROM orders", false]],
  );
  // Block comments nest in PostgreSQL: all of this is one comment.
  assert.equal(normalizeSql("/* outer /* inner */ DELETE FROM orders */"), { kind: "sql", statements: [] });
});

test("a syntax error gives PostgreSQL's message and the 0-based offset where it failed", () => {
  assert.equal(normalizeSql("SELECT * FROM"), { kind: "sql", statements: [], parse_error: { message: "syntax error at end of input", position: 13 } });
  assert.equal(normalizeSql("SELEC 1"), { kind: "sql", statements: [], parse_error: { message: 'syntax error at or near "SELEC"', position: 0 } });
  assert.equal(normalizeSql("SELECT 1 FROM users WHERE"), {
    kind: "sql",
    statements: [],
    parse_error: { message: "syntax error at end of input", position: 25 },
  });
});

test("the position counts characters, not bytes, after non-ASCII text", () => {
  // 'ééé' is 5 characters but 8 bytes: the ';' the parser stops at is character 29.
  assert.equal(normalizeSql("SELECT 'ééé' FROM users WHERE; SELECT 2").parse_error, { message: 'syntax error at or near ";"', position: 29 });
  assert.equal(normalizeSql("SELECT 'é', FROM x").parse_error, { message: 'syntax error at or near "FROM"', position: 12 });
});

test("one bad statement fails the whole text: no statement of it is reported", () => {
  assert.equal(normalizeSql("SELECT 1; DELETE FROM users; SELEC 2"), {
    kind: "sql",
    statements: [],
    parse_error: { message: 'syntax error at or near "SELEC"', position: 29 },
  });
});

test("an unterminated string or comment is a parse error, not an empty query", () => {
  assert.equal(normalizeSql("SELECT 'abc").parse_error, { message: "unterminated quoted string at or near \"'abc\"", position: 7 });
  assert.equal(normalizeSql("SELECT 1 /* open").parse_error, { message: 'unterminated /* comment at or near "/* open"', position: 9 });
});

test("text over the size limit is refused unparsed, counting UTF-8 bytes", () => {
  assert.is(DEFAULT_MAX_SQL_BYTES, 4 * 1024 * 1024);
  const big = `SELECT '${"x".repeat(DEFAULT_MAX_SQL_BYTES)}'`;
  assert.equal(normalizeSql(big), { kind: "sql", statements: [], parse_error: { message: "statement text exceeds 4194304 bytes", position: 0 } });
  // 10 characters, 11 bytes.
  assert.equal(normalizeSql("SELECT 'é'", { maxBytes: 10 }), {
    kind: "sql",
    statements: [],
    parse_error: { message: "statement text exceeds 10 bytes", position: 0 },
  });
  assert.is(normalizeSql("SELECT 'é'", { maxBytes: 11 }).statements.length, 1);
});

test("text just under the default limit still parses", () => {
  const filler = "x".repeat(DEFAULT_MAX_SQL_BYTES - "SELECT ''".length);
  const action = normalizeSql(`SELECT '${filler}'`);
  assert.equal([action.parse_error, action.statements.length, action.statements[0]?.command], [undefined, 1, "SELECT"]);
});

test("an expression nested past the parser's stack is a parse error, never a throw", () => {
  const depth = 100_000;
  const action = normalizeSql(`SELECT ${"abs(".repeat(depth)}1${")".repeat(depth)}`);
  assert.equal(action, { kind: "sql", statements: [], parse_error: { message: 'memory exhausted at or near "abs"', position: 19999 } });
});

test("a parse tree too deep to hand over from the parser is a parse error", () => {
  const action = normalizeSql(`SELECT ${Array(20_000).fill("x").join(" + ")} FROM t`);
  assert.equal(action, { kind: "sql", statements: [], parse_error: { message: "Maximum call stack size exceeded", position: 0 } });
});

test("a statement that parses but is too deep to analyse is a parse error", () => {
  const depth = 3_000;
  const action = normalizeSql(`SELECT ${"abs(".repeat(depth)}ssn${")".repeat(depth)} FROM users`);
  assert.equal(action, { kind: "sql", statements: [], parse_error: { message: "statement too deeply nested to analyse", position: 0 } });
  // Moderate nesting is analysed in full.
  const moderate = normalizeSql(`SELECT ${"abs(".repeat(200)}ssn${")".repeat(200)} FROM users`);
  assert.equal(moderate.statements[0]?.columns, [{ table: { schema: null, name: "users" }, column: "ssn", usage: "derived" }]);
});

test("many statements in one text are all reported", () => {
  const action = normalizeSql(Array.from({ length: 1000 }, (_, i) => `SELECT ${i}`).join(";"));
  assert.equal([action.parse_error, action.statements.length], [undefined, 1000]);
  assert.equal([action.statements[0]?.text, action.statements[999]?.text], ["SELECT 0", "SELECT 999"]);
});

test.run();
