import { test } from "uvu";
import * as assert from "uvu/assert";
import { normalizeSql, one } from "./support.js";

// What a policy switches on first: the command tag and its category, and the extras that name what a
// session-level statement acts on (setting, cursor, prepared statement, COPY endpoint, EXPLAIN mode).

/** command and category of each statement, in order. */
function shapes(sql: string): string[] {
  return normalizeSql(sql).statements.map((s) => `${s.command} (${s.category})`);
}

test("a plain SELECT is the whole document, with its own text", () => {
  assert.equal(normalizeSql("SELECT id FROM users WHERE id = 7"), {
    kind: "sql",
    statements: [
      {
        command: "SELECT",
        category: "query",
        text: "SELECT id FROM users WHERE id = 7",
        tables: [{ schema: null, name: "users", access: "read" }],
        columns: [
          { table: { schema: null, name: "users" }, column: "id", usage: "filter" },
          { table: { schema: null, name: "users" }, column: "id", usage: "output" },
        ],
        functions: [],
        writes: [],
        where_bounded: null,
        dynamic_sql: false,
        dynamic_reasons: [],
      },
    ],
  });
});

test("queries and data changes: SELECT, VALUES, TABLE, INSERT, UPDATE, DELETE, MERGE", () => {
  assert.equal(shapes("SELECT 1; VALUES (1, 'a'); TABLE users"), ["SELECT (query)", "VALUES (query)", "SELECT (query)"]);
  assert.equal(
    shapes(
      "INSERT INTO users (id) VALUES (1); UPDATE users SET name = 'x' WHERE id = 1; DELETE FROM users WHERE id = 1;" +
        " MERGE INTO accounts a USING staging s ON a.id = s.id WHEN MATCHED THEN DELETE",
    ),
    ["INSERT (dml)", "UPDATE (dml)", "DELETE (dml)", "MERGE (dml)"],
  );
  assert.equal(shapes("SELECT email INTO TEMP t FROM users"), ["SELECT INTO (ddl)"]);
});

test("multi-statement text yields one entry per statement, each with its own text", () => {
  const action = normalizeSql("BEGIN; DELETE FROM users WHERE id = 3;\n  COMMIT;");
  assert.equal(action.parse_error, undefined);
  assert.equal(
    action.statements.map((s) => [s.command, s.text]),
    [
      ["BEGIN", "BEGIN"],
      ["DELETE", "DELETE FROM users WHERE id = 3"],
      ["COMMIT", "COMMIT"],
    ],
  );
  // Only the DELETE's own entry carries its table: effects never leak between statements.
  assert.equal(
    action.statements.map((s) => s.tables.length),
    [0, 1, 0],
  );
});

test("statement text is cut by character even after non-ASCII text, trailing comment kept", () => {
  const action = normalizeSql("SELECT 'é' AS x ;  DELETE FROM t WHERE k = 'ü' -- gone\n");
  assert.equal(
    action.statements.map((s) => s.text),
    ["SELECT 'é' AS x", "DELETE FROM t WHERE k = 'ü' -- gone"],
  );
});

test("transactions: BEGIN, START, COMMIT, END, ROLLBACK, savepoints, two-phase", () => {
  assert.equal(
    shapes(
      "BEGIN; START TRANSACTION ISOLATION LEVEL SERIALIZABLE; COMMIT; END; ROLLBACK; SAVEPOINT sp1;" +
        " RELEASE SAVEPOINT sp1; ROLLBACK TO SAVEPOINT sp1; PREPARE TRANSACTION 'tx1'; COMMIT PREPARED 'tx1';" +
        " ROLLBACK PREPARED 'tx1'",
    ),
    [
      "BEGIN (transaction)",
      "BEGIN (transaction)",
      "COMMIT (transaction)",
      "COMMIT (transaction)",
      "ROLLBACK (transaction)",
      "SAVEPOINT (transaction)",
      "RELEASE (transaction)",
      "ROLLBACK TO SAVEPOINT (transaction)",
      "PREPARE TRANSACTION (transaction)",
      "COMMIT PREPARED (transaction)",
      "ROLLBACK PREPARED (transaction)",
    ],
  );
});

test("SET, RESET and SHOW name the setting and, for SET, its value as text", () => {
  const settings = normalizeSql(
    "SET search_path TO public, audit; SET statement_timeout = 5000; SET LOCAL role = 'admin'; SET ROLE admin;" +
      " SET SESSION AUTHORIZATION postgres; SET TIME ZONE 'UTC'; SET enable_seqscan = off; SET work_mem TO DEFAULT;" +
      " RESET search_path; RESET ALL; SHOW search_path; SHOW ALL",
  ).statements.map((s) => [s.command, s.category, s.setting]);
  assert.equal(settings, [
    ["SET", "session", { name: "search_path", value: "public, audit" }],
    ["SET", "session", { name: "statement_timeout", value: "5000" }],
    ["SET", "session", { name: "role", value: "admin" }],
    ["SET", "session", { name: "role", value: "admin" }],
    ["SET", "session", { name: "session_authorization", value: "postgres" }],
    ["SET", "session", { name: "timezone", value: "UTC" }],
    ["SET", "session", { name: "enable_seqscan", value: "off" }],
    ["RESET", "session", { name: "work_mem", value: null }],
    ["RESET", "session", { name: "search_path", value: null }],
    ["RESET", "session", { name: "all", value: null }],
    ["SHOW", "session", { name: "search_path", value: null }],
    ["SHOW", "session", { name: "all", value: null }],
  ]);
  // set_config() changes a setting too, but is a function call in a query: policies see it in functions.
  const viaFunction = one("SELECT set_config('search_path', 'evil', false)");
  assert.equal([viaFunction.command, viaFunction.setting, viaFunction.functions], ["SELECT", undefined, ["set_config"]]);
});

test("PREPARE records its statement's effects; EXECUTE and DEALLOCATE name the prepared statement", () => {
  const prepare = one("PREPARE q(int) AS SELECT email FROM users WHERE id = $1");
  assert.equal([prepare.command, prepare.category, prepare.prepared_name], ["PREPARE", "prepared", "q"]);
  assert.equal(prepare.tables, [{ schema: null, name: "users", access: "read" }]);
  const execute = one("EXECUTE q(5)");
  assert.equal([execute.command, execute.category, execute.prepared_name, execute.tables], ["EXECUTE", "prepared", "q", []]);
  assert.equal(shapes("DEALLOCATE q; DEALLOCATE ALL"), ["DEALLOCATE (prepared)", "DEALLOCATE (prepared)"]);
});

test("DECLARE CURSOR records its query; FETCH, MOVE and CLOSE name the cursor", () => {
  const declare = one("DECLARE c2 SCROLL CURSOR WITH HOLD FOR SELECT ssn FROM users");
  assert.equal([declare.command, declare.category, declare.cursor_name], ["DECLARE CURSOR", "cursor", "c2"]);
  assert.equal(declare.columns, [{ table: { schema: null, name: "users" }, column: "ssn", usage: "output" }]);
  const named = normalizeSql("FETCH 10 FROM c2; FETCH ALL IN c2; MOVE NEXT FROM c2; CLOSE c2; CLOSE ALL").statements;
  assert.equal(
    named.map((s) => [s.command, s.category, s.cursor_name]),
    [
      ["FETCH", "cursor", "c2"],
      ["FETCH", "cursor", "c2"],
      ["FETCH", "cursor", "c2"],
      ["CLOSE", "cursor", "c2"],
      ["CLOSE", "cursor", ""],
    ],
  );
});

test("COPY: direction and endpoint (client, server file, server program), out or in", () => {
  const copies = normalizeSql(
    "COPY users TO STDOUT; COPY users (id, email) TO '/tmp/u.csv' WITH (FORMAT csv); COPY users TO PROGRAM 'gzip > /tmp/u.gz';" +
      " COPY users FROM STDIN; COPY public.users (id, name) FROM '/tmp/x.csv'; COPY users FROM PROGRAM 'cat /etc/passwd';" +
      " COPY (SELECT email FROM users WHERE active) TO STDOUT",
  ).statements.map((s) => [s.command, s.category, s.copy]);
  assert.equal(copies, [
    ["COPY", "query", { direction: "to", endpoint: "stdio" }],
    ["COPY", "query", { direction: "to", endpoint: "file" }],
    ["COPY", "query", { direction: "to", endpoint: "program" }],
    ["COPY", "dml", { direction: "from", endpoint: "stdio" }],
    ["COPY", "dml", { direction: "from", endpoint: "file" }],
    ["COPY", "dml", { direction: "from", endpoint: "program" }],
    ["COPY", "query", { direction: "to", endpoint: "stdio" }],
  ]);
});

test("EXPLAIN only plans; EXPLAIN ANALYZE runs and takes its statement's category", () => {
  const explains = normalizeSql(
    "EXPLAIN SELECT * FROM users; EXPLAIN ANALYZE DELETE FROM users; EXPLAIN (ANALYZE false) DELETE FROM users;" +
      " EXPLAIN (ANALYZE, BUFFERS) SELECT 1; EXPLAIN (ANALYZE off) SELECT 1",
  ).statements.map((s) => [s.command, s.category, s.explain]);
  assert.equal(explains, [
    ["EXPLAIN", "utility", { analyze: false }],
    ["EXPLAIN", "dml", { analyze: true }],
    ["EXPLAIN", "utility", { analyze: false }],
    ["EXPLAIN", "query", { analyze: true }],
    ["EXPLAIN", "utility", { analyze: false }],
  ]);
});

test("DDL and DCL: CREATE/ALTER/DROP, CREATE INDEX, TRUNCATE, GRANT/REVOKE, roles", () => {
  assert.equal(
    shapes(
      "CREATE TABLE t (id int); ALTER TABLE users ADD COLUMN phone text; ALTER VIEW v OWNER TO bob;" +
        " ALTER TABLE users RENAME TO people; CREATE INDEX CONCURRENTLY i ON users (lower(email)); DROP TABLE t;" +
        " DROP VIEW v; DROP INDEX i; DROP SCHEMA audit CASCADE; DROP FUNCTION f(int); CREATE VIEW v AS SELECT 1;" +
        " CREATE MATERIALIZED VIEW mv AS SELECT 1; CREATE TABLE c AS SELECT 1; CREATE SCHEMA reporting;" +
        " CREATE EXTENSION dblink; COMMENT ON TABLE users IS 'x'",
    ),
    [
      "CREATE TABLE (ddl)",
      "ALTER TABLE (ddl)",
      "ALTER VIEW (ddl)",
      "ALTER RENAME (ddl)",
      "CREATE INDEX (ddl)",
      "DROP TABLE (ddl)",
      "DROP VIEW (ddl)",
      "DROP INDEX (ddl)",
      "DROP SCHEMA (ddl)",
      "DROP FUNCTION (ddl)",
      "CREATE VIEW (ddl)",
      "CREATE MATERIALIZED VIEW (ddl)",
      "CREATE TABLE AS (ddl)",
      "CREATE SCHEMA (ddl)",
      "CREATE EXTENSION (ddl)",
      "COMMENT (ddl)",
    ],
  );
  assert.equal(
    shapes("TRUNCATE users; LOCK TABLE users IN ACCESS EXCLUSIVE MODE"),
    ["TRUNCATE (dml)", "LOCK (dml)"],
  );
  assert.equal(
    shapes("GRANT SELECT ON users TO analyst; REVOKE ALL ON TABLE users FROM PUBLIC; GRANT admin TO bob; CREATE ROLE bob LOGIN; ALTER ROLE bob SUPERUSER"),
    ["GRANT (dcl)", "REVOKE (dcl)", "GRANT ROLE (dcl)", "CREATE ROLE (dcl)", "ALTER ROLE (dcl)"],
  );
});

test("CALL and DO are utility statements; session and maintenance commands are classed", () => {
  assert.equal(
    shapes("CALL refresh_stats(1); DO $$ BEGIN PERFORM 1; END $$; VACUUM users; CHECKPOINT; LISTEN ch; NOTIFY ch; DISCARD ALL"),
    ["CALL (utility)", "DO (utility)", "VACUUM (utility)", "CHECKPOINT (utility)", "LISTEN (session)", "NOTIFY (session)", "DISCARD (session)"],
  );
});

test("statements the normalizer has no rule for are named from their parse node and classed other", () => {
  assert.equal(
    shapes("ALTER SYSTEM SET work_mem = '1GB'; CREATE CONVERSION myconv FOR 'LATIN1' TO 'UTF8' FROM iso8859_1_to_utf8"),
    ["ALTER SYSTEM (other)", "CREATE CONVERSION (other)"],
  );
});

test.run();
