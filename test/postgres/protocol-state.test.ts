import { serialize } from "pg-protocol";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { startGatewayUnderTest, type GatewayUnderTest } from "../support/pg-gateway.js";
import { writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run } from "../support/run.js";
import { errorsIn, firstColumns, queryMessage, wireLogin, type WireClient } from "../support/pg-wire.js";

/**
 * The gateway's view of prepared statements follows the server's: a statement exists once the server
 * said ParseComplete, and a Parse the server rejected leaves nothing behind. A session the server ends
 * gets the server's own error, once.
 */

let g: GatewayUnderTest;
let token: string;

test.before(async () => {
  g = await startGatewayUnderTest();
  token = await g.token();
});
test.after(async () => {
  await g?.stop();
});

const session = (): Promise<WireClient> => wireLogin(g.gateway.port, { user: "alice", database: "demo", password: token });

const values = firstColumns;

test("a Parse the server rejected leaves its name free", async () => {
  const c = await session();
  const failed = await c.exchange(1, serialize.parse({ name: "s1", text: "SELECT x FROM no_such_table" }), serialize.sync());
  assert.is(errorsIn(failed)[0]?.code, "42P01");
  const again = await c.exchange(1, serialize.parse({ name: "s1", text: "SELECT 'ok'::text AS x" }), serialize.bind({ statement: "s1" }), serialize.execute({}), serialize.sync());
  assert.equal(errorsIn(again), []);
  assert.equal(values(again), ["ok"]);
  c.destroy();
});

test("a Parse skipped after an earlier error before Sync leaves its name free", async () => {
  const c = await session();
  const failed = await c.exchange(
    1,
    serialize.parse({ name: "", text: "SELECT 1/0" }),
    serialize.bind({}),
    serialize.execute({}),
    serialize.parse({ name: "s2", text: "SELECT 'first'::text AS x" }),
    serialize.sync(),
  );
  assert.is(errorsIn(failed)[0]?.code, "22012");
  const again = await c.exchange(1, serialize.parse({ name: "s2", text: "SELECT 'second'::text AS x" }), serialize.bind({ statement: "s2" }), serialize.execute({}), serialize.sync());
  assert.equal(errorsIn(again), []);
  assert.equal(values(again), ["second"]);
  c.destroy();
});

for (const free of ["DEALLOCATE s3", "DEALLOCATE ALL", "DISCARD ALL"]) {
  test(`${free} frees the names of statements prepared with Parse`, async () => {
    const c = await session();
    assert.equal(errorsIn(await c.exchange(1, serialize.parse({ name: "s3", text: "SELECT 'first'::text AS x" }), serialize.sync())), []);
    assert.equal(errorsIn(await c.exchange(1, queryMessage(free))), []);
    const again = await c.exchange(1, serialize.parse({ name: "s3", text: "SELECT 'second'::text AS x" }), serialize.bind({ statement: "s3" }), serialize.execute({}), serialize.sync());
    assert.equal(errorsIn(again), []);
    assert.equal(values(again), ["second"]);
    c.destroy();
  });
}

test("a cursor ends with its transaction or savepoint: a later portal of the same name is decided on what it runs", async () => {
  const c = await session();
  const run = (sql: string) => c.exchange(1, serialize.query(sql));
  // Declared over orders, then closed by COMMIT on the server; closed by ROLLBACK TO SAVEPOINT likewise.
  assert.equal(errorsIn(await run("BEGIN; DECLARE c CURSOR FOR SELECT id FROM orders; COMMIT")), []);
  assert.equal(errorsIn(await run("BEGIN; SAVEPOINT s; DECLARE d CURSOR FOR SELECT id FROM orders; ROLLBACK TO SAVEPOINT s; COMMIT")), []);
  for (const name of ["c", "d"]) {
    // A protocol portal of the same name over the masked users.email, fetched through SQL.
    const bound = await c.exchange(1, serialize.query("BEGIN"));
    assert.equal(errorsIn(bound), []);
    const portal = await c.exchange(1, serialize.parse({ text: "SELECT email FROM users ORDER BY id" }), serialize.bind({ portal: name }), serialize.sync());
    assert.equal(errorsIn(portal), []);
    const fetched = await run(`FETCH ALL FROM ${name}`);
    assert.equal(errorsIn(fetched), []);
    const emails = values(fetched);
    assert.is(emails.length, 3);
    assert.not.ok(emails.some((e) => e?.includes("@example.com")), `FETCH of ${name} returned ${emails.join(", ")}`);
    const decided = g.events.flatMap((e) => (e.type === "decision" && e.request.text.endsWith(`FETCH ALL FROM ${name}`) ? [e.request.text] : []));
    assert.ok(decided.length > 0);
    assert.not.match(decided.at(-1)!, "DECLARE", "the closed cursor's query is not the one decided");
    assert.equal(errorsIn(await run("COMMIT")), []);
  }
  c.destroy();
});

test("a denial inside psql -1 fails the transaction as a server error would: nothing is committed", async () => {
  const file = join(mkdtempSync(join(tmpdir(), "portcullis-psql-")), "load.sql");
  writeFileSync(file, "INSERT INTO orders VALUES (901, 1, 1, 'a');\nDELETE FROM orders;\nINSERT INTO orders VALUES (902, 1, 1, 'b');\n");
  const r = await run("psql", ["-X", "-1", "-v", "VERBOSITY=verbose", "-f", file], await g.env());
  assert.match(r.stderr, /42501: Portcullis denied this statement/, r.stderr);
  assert.match(r.stderr, /25P02/, "the statement after the denial runs in a failed transaction");
  const kept = await g.pg.query<{ n: string }>("SELECT count(*)::text AS n FROM orders WHERE id IN (901, 902)");
  assert.is(kept.rows[0]!.n, "0");
  // The session's own status is the server's: in a block, a denial leaves it failed ('E').
  const c = await session();
  await c.exchange(1, queryMessage("BEGIN"));
  const denied = await c.exchange(1, queryMessage("DELETE FROM orders"));
  assert.is(errorsIn(denied)[0]?.code, "42501");
  assert.equal([...denied.filter((m) => m.type === "Z").map((m) => String.fromCharCode(m.body[0]!))], ["E"]);
  await c.exchange(1, queryMessage("ROLLBACK"));
  c.destroy();
});

test("a backend the server terminates: the client gets the server's FATAL and nothing after it", async () => {
  const c = await session();
  const answer = await c.exchange(1, queryMessage("SELECT pg_backend_pid()"));
  const pid = Number(values(answer)[0]);
  const from = c.bytes.length;
  await g.pg.query("SELECT pg_terminate_backend($1)", [pid]);
  await c.waitClosed(5000);
  const errors = errorsIn(c.messages(from));
  assert.is(errors.length, 1, JSON.stringify(errors));
  assert.is(errors[0]?.code, "57P01");
});

test.run();
