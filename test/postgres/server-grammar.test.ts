import pg from "pg";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { loadSqlParser, normalizeSql } from "../../engine/actions/sql/index.js";
import { startGatewayUnderTest, type GatewayUnderTest } from "../support/pg-gateway.js";

/**
 * The target here is PostgreSQL 15. Its grammar reads `system_user` as a column name; PostgreSQL 16
 * and later (and the analyzer's grammar) read it as a function. A statement the two grammars read
 * differently is refused, never decided on the reading the server does not share; everything both
 * read alike runs as before.
 */

const SECRETS = ["ada@example.com", "grace@example.com", "123-45-6789"];

let g: GatewayUnderTest;

test.before(async () => {
  g = await startGatewayUnderTest();
  await loadSqlParser();
});
test.after(async () => {
  await g?.stop();
});

async function attempt(sql: string): Promise<{ code: string; text: string }> {
  const client = new pg.Client({ host: "127.0.0.1", port: g.gateway.port, user: "alice", database: "demo", password: await g.token() });
  const seen: string[] = [];
  client.on("notification", (n) => seen.push(n.payload ?? ""));
  client.on("notice", (n) => seen.push(String(n.message)));
  await client.connect();
  try {
    const result = await client.query(sql);
    return { code: "ok", text: JSON.stringify(result.rows) + seen.join(" ") };
  } catch (error) {
    const e = error as { code?: string; message?: string };
    return { code: e.code ?? "?", text: `${e.message} ${seen.join(" ")}` };
  } finally {
    await client.end();
  }
}

test("the server reads system_user as a column: the gateway does not decide on reading it as a function", async () => {
  const version = await g.pg.psql("SHOW server_version_num");
  assert.match(version.stdout.trim(), /^15/, "this test needs the PostgreSQL 15 target it was written for");
  for (const sql of [
    "SELECT system_user FROM (SELECT email AS system_user FROM users) s",
    "SELECT replace(system_user, '@', ' at ') FROM (SELECT email AS system_user FROM users) s",
    "COPY (SELECT system_user FROM (SELECT ssn AS system_user FROM users) s) TO STDOUT",
    "LISTEN x; SELECT pg_notify('x', system_user) FROM (SELECT email AS system_user FROM users) s",
  ]) {
    const result = await attempt(sql);
    for (const secret of SECRETS) assert.not.match(result.text, secret, sql);
    assert.is(result.code, "42501", sql);
    assert.match(result.text, /PostgreSQL 15 reads this statement differently/, sql);
  }
});

test("statements both grammars read alike run as before, DDL and MERGE included", async () => {
  assert.is((await attempt("SELECT email FROM users WHERE id = 1")).code, "ok");
  assert.is((await attempt("CREATE TEMP TABLE t (id int PRIMARY KEY, v text NOT NULL DEFAULT 'x', CHECK (id > 0))")).code, "ok");
  assert.is((await attempt("MERGE INTO orders o USING (SELECT 1 AS id) s ON o.id = s.id WHEN MATCHED THEN UPDATE SET note = 'm' WHEN NOT MATCHED THEN DO NOTHING")).code, "ok");
});

test("the check itself: same trees pass, a different reading or an unknown major is refused", () => {
  const ok = normalizeSql("SELECT id FROM users WHERE id = $1", { serverMajor: 15 });
  assert.is(ok.parse_error, undefined);
  assert.is(normalizeSql("SELECT system_user", { serverMajor: 17 }).parse_error, undefined);
  assert.match(normalizeSql("SELECT system_user", { serverMajor: 15 }).parse_error?.message ?? "", /PostgreSQL 15 reads this statement differently/);
  assert.match(normalizeSql("SELECT 1", { serverMajor: 12 }).parse_error?.message ?? "", /no PostgreSQL 12 grammar/);
  // 15's grammar does not know 16's syntax: the server would refuse it, so does the gateway.
  assert.match(normalizeSql("SELECT 1 IS JSON", { serverMajor: 15 }).parse_error?.message ?? "", /PostgreSQL 15 does not accept/);
});

test.run();
