import pg from "pg";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { loadSqlParser, normalizeSql } from "../../engine/actions/sql/index.js";
import { startGatewayUnderTest, type GatewayUnderTest } from "../support/pg-gateway.js";

/**
 * EXPLAIN ANALYZE runs the statement it explains. Whether it does is read from the option's value as the
 * server reads it; the server is asked about every spelling, and the analyzer must never say "not run"
 * where the server ran it.
 */

const SPELLINGS = ["", "1", "0", "2", "true", "false", "TRUE", "off", "On", "'on'", "'off'", "'1'", "'0'", "yes", "no", "'yes'", "1.0", "t", "f"];

let g: GatewayUnderTest;

test.before(async () => {
  await loadSqlParser();
  g = await startGatewayUnderTest();
});
test.after(async () => {
  await g?.stop();
});

test("the analyzer says EXPLAIN runs its statement whenever the server runs it", async () => {
  let agreed = 0;
  for (const value of SPELLINGS) {
    const sql = `EXPLAIN (ANALYZE ${value}, FORMAT JSON) SELECT 1`;
    let ran: boolean | "refused";
    try {
      const r = await g.pg.query<{ "QUERY PLAN": unknown }>(sql);
      ran = JSON.stringify(r.rows).includes("Actual Total Time");
    } catch {
      ran = "refused";
    }
    const statement = normalizeSql(sql).statements[0];
    const analyze = statement?.explain?.analyze;
    if (ran === true) assert.is(analyze, true, `${sql}: the server ran it`);
    if (ran === false) assert.is(analyze, false, `${sql}: the server did not run it`);
    agreed += 1;
  }
  assert.is(agreed, SPELLINGS.length);
});

test("EXPLAIN ANALYZE in any spelling is decided as what it runs", async () => {
  const client = new pg.Client({ host: "127.0.0.1", port: g.gateway.port, user: "alice", database: "demo", password: await g.token() });
  client.on("error", () => undefined);
  await client.connect();
  for (const sql of [
    "EXPLAIN (ANALYZE 1) DELETE FROM orders",
    "EXPLAIN (ANALYZE 'on') DELETE FROM orders",
    "EXPLAIN (ANALYZE 0, ANALYZE 1) UPDATE orders SET note = 'x'",
    "EXPLAIN (ANALYZE 1) CREATE TEMP TABLE copied AS SELECT email, ssn FROM users",
    "EXPLAIN (ANALYZE 1, NO_SUCH_OPTION) SELECT 1",
  ]) {
    const code = await client.query(sql).then(
      () => "ok",
      (error: { code?: string }) => error.code,
    );
    assert.is(code, "42501", sql);
  }
  await client.end();
  const left = await g.pg.query<{ n: string; notes: string }>("SELECT count(*)::text AS n, count(*) FILTER (WHERE note = 'x')::text AS notes FROM orders");
  assert.equal(left.rows[0], { n: "20", notes: "0" });
});

test.run();
