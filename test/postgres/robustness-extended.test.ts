import { serialize } from "pg-protocol";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { startGatewayUnderTest, type GatewayUnderTest } from "../support/pg-gateway.js";
import { errorsIn, firstColumns, queryMessage, wireLogin, type WireClient } from "../support/pg-wire.js";

/**
 * Prepared statements and portals share their names with SQL PREPARE and SQL cursors on the server.
 * The gateway masks an Execute by what it decided for the Parse behind it, so a name the server
 * resolves to something else (a SQL-prepared statement, a cursor, a statement the server kept when
 * a second Parse of its name failed, a portal bound in a transaction that has ended) must never get
 * another statement's masks: it is refused, and the sensitive values never reach the client.
 */

let g: GatewayUnderTest;
let token: string;
const SECRETS = ["ada@example.com", "grace@example.com", "123-45-6789"];

test.before(async () => {
  g = await startGatewayUnderTest();
  token = await g.token();
});
test.after(async () => {
  await g?.stop();
});

const session = (): Promise<WireClient> => wireLogin(g.gateway.port, { user: "alice", database: "demo", password: token });

const values = firstColumns;

function assertNoSecret(client: WireClient): void {
  const bytes = client.bytes.toString("latin1");
  for (const secret of SECRETS) assert.not.ok(bytes.includes(secret), `the client received ${secret}`);
}

test("a statement prepared with SQL PREPARE cannot be bound through the protocol", async () => {
  const c = await session();
  await c.exchange(1, queryMessage("PREPARE s AS SELECT email FROM users WHERE id = 1"));
  const answer = await c.exchange(1, serialize.bind({ statement: "s" }), serialize.execute({}), serialize.sync());
  const [error] = errorsIn(answer);
  assert.is(error?.code, "42501");
  assert.match(error!.message, /prepared statement "s" was not prepared with a Parse message/);
  // The session goes on, and EXECUTE through SQL is decided (and masked) by the policy.
  const sql = await c.exchange(1, queryMessage("EXECUTE s"));
  assert.equal(values(sql), ["****"]);
  assertNoSecret(c);
  c.destroy();
});

test("a second Parse of a name keeps the first statement, as the server does", async () => {
  const c = await session();
  const first = await c.exchange(1, serialize.parse({ name: "s1", text: "SELECT email FROM users WHERE id = 1" }), serialize.sync());
  assert.equal(errorsIn(first), []);
  const second = await c.exchange(1, serialize.parse({ name: "s1", text: "SELECT 'harmless'::text AS email" }), serialize.sync());
  assert.is(errorsIn(second)[0]?.code, "42P05");
  const run = await c.exchange(1, serialize.bind({ statement: "s1" }), serialize.execute({}), serialize.sync());
  assert.equal(values(run), ["****"]);
  // Closing the statement frees the name.
  const again = await c.exchange(1, serialize.close({ type: "S", name: "s1" }), serialize.parse({ name: "s1", text: "SELECT 'harmless'::text AS x" }), serialize.bind({ statement: "s1" }), serialize.execute({}), serialize.sync());
  assert.equal(errorsIn(again), []);
  assert.equal(values(again), ["harmless"]);
  assertNoSecret(c);
  c.destroy();
});

test("a SQL cursor cannot be executed through the protocol", async () => {
  const c = await session();
  await c.exchange(2, queryMessage("BEGIN"), queryMessage("DECLARE c CURSOR FOR SELECT email FROM users"));
  const answer = await c.exchange(1, serialize.execute({ portal: "c" }), serialize.sync());
  assert.is(errorsIn(answer)[0]?.code, "42501");
  assert.match(errorsIn(answer)[0]!.message, /portal "c" was not bound/);
  // The refusal failed the transaction as a server error would; FETCH is the way, and the policy masks it.
  await c.exchange(3, queryMessage("ROLLBACK"), queryMessage("BEGIN"), queryMessage("DECLARE c CURSOR FOR SELECT email FROM users"));
  const fetched = await c.exchange(1, queryMessage("FETCH ALL FROM c"));
  assert.ok(values(fetched).length > 0);
  assertNoSecret(c);
  await c.exchange(1, queryMessage("ROLLBACK"));
  c.destroy();
});

test("a portal does not outlive its transaction: a cursor of the same name gets no stale masks", async () => {
  const c = await session();
  await c.exchange(1, queryMessage("BEGIN"));
  const bound = await c.exchange(1, serialize.parse({ name: "plain", text: "SELECT 'x'::text AS v" }), serialize.bind({ portal: "p1", statement: "plain" }), serialize.execute({ portal: "p1" }), serialize.sync());
  assert.equal(values(bound), ["x"]);
  await c.exchange(1, queryMessage("COMMIT"));
  await c.exchange(2, queryMessage("BEGIN"), queryMessage("DECLARE p1 CURSOR FOR SELECT email FROM users"));
  const answer = await c.exchange(1, serialize.execute({ portal: "p1" }), serialize.sync());
  assert.is(errorsIn(answer)[0]?.code, "42501");
  assertNoSecret(c);
  await c.exchange(1, queryMessage("ROLLBACK"));
  c.destroy();
});

test("SQL PREPARE over a deallocated Parse name is not bound with the old statement's masks", async () => {
  const c = await session();
  await c.exchange(1, serialize.parse({ name: "s2", text: "SELECT 'x'::text AS email" }), serialize.sync());
  await c.exchange(2, queryMessage("DEALLOCATE s2"), queryMessage("PREPARE s2 AS SELECT email FROM users WHERE id = 2"));
  const answer = await c.exchange(1, serialize.bind({ statement: "s2" }), serialize.execute({}), serialize.sync());
  assert.is(errorsIn(answer)[0]?.code, "42501");
  assertNoSecret(c);
  c.destroy();
});

test("portals still live across Syncs inside a transaction, and a suspended portal resumes", async () => {
  const c = await session();
  await c.exchange(1, queryMessage("BEGIN"));
  await c.exchange(1, serialize.parse({ name: "ids", text: "SELECT id, email FROM users ORDER BY id" }), serialize.bind({ portal: "cur", statement: "ids" }), serialize.sync());
  const first = await c.exchange(1, serialize.execute({ portal: "cur", rows: 1 }), serialize.sync());
  assert.equal(errorsIn(first), []);
  assert.ok(first.some((m) => m.type === "s"), "the portal is suspended after one row");
  const rest = await c.exchange(1, serialize.execute({ portal: "cur" }), serialize.sync());
  assert.equal(errorsIn(rest), []);
  assert.is(values(first).length + values(rest).length, 3);
  await c.exchange(1, queryMessage("COMMIT"));
  assertNoSecret(c);
  c.destroy();
});

test("a Query sent inside a failed extended cycle is skipped, and later results keep their masks", async () => {
  const c = await session();
  // The error reaches the gateway only after the Query has gone up.
  const skipped = await c.exchange(1, serialize.parse({ text: "SELECT nosuchcolumn FROM users" }), queryMessage("SELECT 1"), serialize.sync());
  assert.equal(errorsIn(skipped).map((e) => e.code), ["42703"]);
  assert.equal(values(await c.exchange(1, queryMessage("SELECT email FROM users WHERE id = 1"))), ["****"]);
  // The error reaches the gateway before the Query goes up (Flush asks the server to answer now).
  c.send(serialize.parse({ text: "SELECT nosuchcolumn FROM users" }), serialize.flush());
  await c.until(() => c.errors().some((e) => e.code === "42703" && c.errors().filter((x) => x.code === "42703").length === 2), 5000);
  const after = await c.exchange(1, queryMessage("SELECT 1"), serialize.bind({}), serialize.execute({}), serialize.sync());
  assert.equal(after.map((m) => m.type), ["Z"]);
  assert.equal(values(await c.exchange(1, queryMessage("SELECT email FROM users WHERE id = 2"))), ["****"]);
  assertNoSecret(c);
  c.destroy();
});

test("several statements in one extended cycle, as a JDBC batch sends them, all run, masks kept", async () => {
  const c = await session();
  const answer = await c.exchange(
    1,
    serialize.parse({ name: "a", text: "SELECT 'first'::text AS v" }),
    serialize.bind({ statement: "a" }),
    serialize.execute({}),
    serialize.parse({ name: "b", text: "SELECT email FROM users WHERE id = 1" }),
    serialize.bind({ statement: "b" }),
    serialize.execute({}),
    serialize.parse({ name: "c", text: "SELECT 'third'::text AS v" }),
    serialize.bind({ statement: "c" }),
    serialize.execute({}),
    serialize.sync(),
  );
  assert.equal(errorsIn(answer), []);
  assert.equal(values(answer), ["first", "****", "third"]);
  c.destroy();
});

test.run();
