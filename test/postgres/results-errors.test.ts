import { createHash } from "node:crypto";
import pg from "pg";
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Identity } from "../../engine/policy/types.js";
import { ALICE, PII_READER, startGatewayUnderTest, type GatewayUnderTest } from "../support/pg-gateway.js";
import { psql, run } from "../support/run.js";

/**
 * Large results arrive intact, the server's errors reach the client with their SQLSTATE and the
 * session goes on, and psql scripts behave as they do against a server: ON_ERROR_STOP stops at an
 * error or a denial, and a multi-statement string with one denied statement runs none of it.
 */

let g: GatewayUnderTest;

test.before(async () => {
  g = await startGatewayUnderTest();
});
test.after(async () => {
  await g?.stop();
});

async function client(who: Identity = ALICE): Promise<pg.Client> {
  const c = new pg.Client({ host: "127.0.0.1", port: g.gateway.port, user: who.subject, database: "demo", password: await g.token(who) });
  c.on("error", () => undefined);
  await c.connect();
  return c;
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

test("200,000 rows arrive intact, in order", async () => {
  const sql = "SELECT g, md5(g::text) AS h FROM generate_series(1, 200000) g ORDER BY g";
  const c = await client();
  const through = await c.query<{ g: number; h: string }>(sql);
  await c.end();
  const direct = await g.pg.query<{ g: number; h: string }>(sql);
  assert.is(through.rowCount, 200_000);
  assert.is(through.rows[199_999]!.g, 200_000);
  assert.is(sha256(JSON.stringify(through.rows)), sha256(JSON.stringify(direct.rows)));
  const decision = g.events.find((e) => e.type === "decision" && e.request.text === sql);
  assert.ok(decision?.type === "decision");
  const result = g.events.find((e) => e.type === "result" && e.session_id === decision.session_id && e.request_id === decision.request_id);
  assert.ok(result?.type === "result" && "kind" in result.result && result.result.kind === "sql" && result.result.rows === 200_000, "the result's row count is recorded under its decision's number");
});

test("a 50 MB single value arrives intact", async () => {
  const c = await client();
  const r = await c.query<{ v: string; digest: string }>("SELECT v, md5(v) AS digest FROM (SELECT repeat(md5('portcullis'), 1638400) AS v) s");
  await c.end();
  const v = r.rows[0]!.v;
  assert.is(v.length, 52_428_800);
  assert.is(createHash("md5").update(v).digest("hex"), r.rows[0]!.digest);
});

test("60,000 rows of a masked column all come out masked", async () => {
  const c = await client();
  const r = await c.query<{ email: string | null }>("SELECT u.email FROM users u CROSS JOIN generate_series(1, 20000) g");
  await c.end();
  assert.is(r.rowCount, 60_000);
  const values = new Set(r.rows.map((row) => row.email));
  assert.equal([...values].sort(), ["****", null].sort());
});

test("the server's errors pass through with their SQLSTATE, and the session goes on", async () => {
  const cases: Array<[string, string, RegExp]> = [
    ["SELECT 1/0", "22012", /division by zero/],
    ["SELECT 'abc'::int", "22P02", /invalid input syntax for type integer/],
    ["SELECT * FROM no_such_table", "42P01", /relation "no_such_table" does not exist/],
    ["INSERT INTO orders (id, user_id, amount) VALUES (1, 1, 1)", "23505", /duplicate key value violates unique constraint/],
  ];
  // A reader sees the server's own words; for someone with masked columns the gateway may withhold
  // a message that could quote a masked value, but never its SQLSTATE.
  for (const who of [PII_READER, ALICE]) {
    const c = await client(who);
    try {
      for (const [sql, code, message] of cases) {
        const error = await c.query(sql).then(
          () => undefined,
          (e: pg.DatabaseError) => e,
        );
        assert.is(error?.code, code, sql);
        if (who === PII_READER) assert.match(error!.message, message);
        else assert.ok(message.test(error!.message) || error!.message.includes(`withheld the target's message (SQLSTATE ${code})`), error!.message);
        assert.equal((await c.query("SELECT 42 AS answer")).rows, [{ answer: 42 }]);
      }
      // Extended protocol too: the error ends that cycle only.
      const extended = await c.query("SELECT $1::int / 0", [1]).then(
        () => undefined,
        (e: pg.DatabaseError) => e,
      );
      assert.is(extended?.code, "22012");
      assert.equal((await c.query("SELECT $1::int AS v", [7])).rows, [{ v: 7 }]);
    } finally {
      await c.end();
    }
  }
});

test("psql with ON_ERROR_STOP stops at the server's error, as against a server", async () => {
  const script = "\\set ON_ERROR_STOP on\nSELECT 'first';\nSELECT 1/0;\nSELECT 'not reached';\n";
  const r = await run("psql", ["-X", "-A", "-t", "-v", "VERBOSITY=verbose"], await g.env(PII_READER), script);
  assert.is(r.code, 3);
  assert.is(r.stdout.trim(), "first");
  assert.match(r.stderr, /ERROR:\s+22012: division by zero/);
});

test("psql with ON_ERROR_STOP stops at a denial, and without it runs on", async () => {
  const script = "SELECT 'first';\nDELETE FROM orders;\nSELECT 'after';\n";
  const stop = await run("psql", ["-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-v", "VERBOSITY=verbose"], await g.env(), script);
  assert.is(stop.code, 3);
  assert.is(stop.stdout.trim(), "first");
  assert.match(stop.stderr, /ERROR:\s+42501: Portcullis denied this statement: DELETE without WHERE on orders/);
  const on = await run("psql", ["-X", "-A", "-t"], await g.env(), script);
  assert.is(on.code, 0);
  assert.equal(on.stdout.trim().split("\n"), ["first", "after"]);
  const left = await g.pg.query<{ n: number }>("SELECT count(*)::int AS n FROM orders");
  assert.is(left.rows[0]!.n, 20);
});

test("a multi-statement string with one denied statement forwards nothing", async () => {
  const sql = "INSERT INTO orders (id, user_id, amount, note) VALUES (900, 1, 9, 'multi'); DELETE FROM orders; SELECT 1";
  const r = await psql(await g.env(), sql, ["-v", "VERBOSITY=verbose"]);
  assert.is(r.code, 1);
  assert.match(r.stderr, /42501: Portcullis denied this statement: DELETE without WHERE on orders/);
  assert.is(r.stdout, "");
  const inserted = await g.pg.query("SELECT 1 FROM orders WHERE id = 900");
  assert.is(inserted.rowCount, 0, "the allowed INSERT of the denied string must not have run");
  const event = g.events.find((e) => e.type === "decision" && e.request.text === sql);
  assert.ok(event?.type === "decision" && event.verdict.effect === "deny" && event.verdict.action.kind === "sql" && event.verdict.action.statements.length === 3);
  // An allowed multi-statement string runs whole.
  const ok = await psql(await g.env(), "INSERT INTO orders (id, user_id, amount, note) VALUES (901, 1, 9, 'multi'); SELECT note FROM orders WHERE id = 901");
  assert.is(ok.stderr, "");
  assert.is(ok.stdout.trim(), "multi");
  await g.pg.query("DELETE FROM orders WHERE id = 901");
});

test.run();
