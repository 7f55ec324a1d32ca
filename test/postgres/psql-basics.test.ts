import { test } from "uvu";
import * as assert from "uvu/assert";
import { PII_READER, startGatewayUnderTest, type GatewayUnderTest } from "../support/pg-gateway.js";
import { psql, run } from "../support/run.js";

let g: GatewayUnderTest;

test.before(async () => {
  g = await startGatewayUnderTest();
});
test.after(async () => {
  await g?.stop();
});

test("an allowed SELECT returns the target's rows to psql", async () => {
  const r = await psql(await g.env(), "SELECT count(*) FROM orders");
  assert.is(r.stderr, "");
  assert.is(r.code, 0);
  assert.is(r.stdout.trim(), "20");
});

test("DELETE without WHERE fails with SQLSTATE 42501 and the policy's reason, and nothing is deleted", async () => {
  const r = await run("psql", ["-X", "-v", "VERBOSITY=verbose", "-c", "DELETE FROM orders"], await g.env());
  assert.is(r.code, 1);
  assert.match(r.stderr, /ERROR:\s+42501: Portcullis denied this statement: DELETE without WHERE on orders/);
  const left = await g.pg.query<{ n: string }>("SELECT count(*)::text AS n FROM orders");
  assert.is(left.rows[0]!.n, "20");
});

test("the session stays usable after a denial", async () => {
  const r = await run("psql", ["-X", "-A", "-t", "-q"], await g.env(), "DELETE FROM orders;\nSELECT 41 + 1;\n");
  assert.match(r.stderr, /42501|Portcullis denied/);
  assert.is(r.stdout.trim(), "42");
});

test("masked columns come out masked for an identity outside the readers group", async () => {
  const r = await psql(await g.env(), "SELECT id, email, ssn FROM users ORDER BY id");
  assert.is(r.stderr, "");
  assert.equal(r.stdout.trim().split("\n"), ["1|****|*******6789", "2|****|*******4321", "3||"]);
});

test("a reader sees the real values", async () => {
  const r = await psql(await g.env(PII_READER), "SELECT email FROM users WHERE id = 1");
  assert.is(r.stdout.trim(), "ada@example.com");
});

test("a statement that does not parse is denied with the parser's message", async () => {
  const r = await psql(await g.env(), "SELEC 1");
  assert.is(r.code, 1);
  assert.match(r.stderr, /Portcullis denied this statement: .*syntax error/);
});

test("a bad token gets PostgreSQL's authentication failure, and the precise reason is recorded", async () => {
  const env = { ...(await g.env()), PGPASSWORD: "not-a-token" };
  const r = await psql(env, "SELECT 1");
  assert.is(r.code, 2);
  assert.match(r.stderr, /password authentication failed for user "alice"/);
  const failure = g.events.find((e) => e.type === "auth_failure");
  assert.ok(failure && failure.type === "auth_failure" && failure.code === "malformed");
});

test("an unknown target is refused after authentication", async () => {
  const r = await psql({ ...(await g.env()), PGDATABASE: "nope" }, "SELECT 1");
  assert.is(r.code, 2);
  assert.match(r.stderr, /no PostgreSQL target named "nope"/);
});

test("every forwarded statement was recorded as a decision first", async () => {
  const decisions = g.events.filter((e) => e.type === "decision");
  assert.ok(decisions.length >= 6);
  assert.ok(decisions.some((e) => e.type === "decision" && e.request.text === "DELETE FROM orders" && e.verdict.effect === "deny"));
});

test.run();
