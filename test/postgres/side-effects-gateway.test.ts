import { createHash } from "node:crypto";
import pg from "pg";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { startGatewayUnderTest, type GatewayUnderTest } from "../support/pg-gateway.js";
import { startTee, type TcpTee } from "../support/tcp-tee.js";

/**
 * A function with a side effect (a notification, a large object, a sequence, a setting) gets the value
 * itself, wherever it is called: in the select list, a filter, a subquery used as a filter, a join
 * condition, ORDER BY, GROUP BY, a window, the WHERE of UPDATE or DELETE, a CTE. Fed a masked column,
 * it would carry the value out of reach of masking (LISTEN, lo_get, currval, current_setting read it
 * back). alice, outside pii-readers, tries each through node-postgres behind a byte-copying relay; no
 * byte the client receives — rows, errors, NotificationResponse — may hold a secret, and nothing may be
 * left on the server for a later read.
 */

const SECRETS = ["ada@example.com", "grace@example.com", "123-45-6789", "987-65-4321"];
const NEEDLES = [
  ...SECRETS,
  ...["ada@", "grace@", "123-45", "987-65", "45-67", "65-43"],
  ...SECRETS.map((s) => Buffer.from(s).toString("hex")),
  ...SECRETS.map((s) => Buffer.from(s).toString("base64")),
  ...SECRETS.map((s) => createHash("md5").update(s).digest("hex")),
];

/** The statements that try to send a masked value through a side effect. Each must be denied. */
const ATTEMPTS: [name: string, sql: string][] = [
  ["pg_notify in a scalar subquery in WHERE", "SELECT id FROM users WHERE (SELECT pg_notify('x', email)) IS NULL"],
  ["pg_notify directly in WHERE", "SELECT id FROM users WHERE pg_notify('x', email) IS NULL"],
  ["pg_notify in ORDER BY", "SELECT id FROM users ORDER BY (SELECT pg_notify('x', ssn)::text)"],
  ["pg_notify in GROUP BY", "SELECT count(*) FROM users GROUP BY (SELECT pg_notify('x', email)::text)"],
  ["pg_notify in HAVING", "SELECT count(*) FROM users GROUP BY id HAVING (SELECT pg_notify('x', min(email))) IS NULL"],
  ["pg_notify in JOIN ON", "SELECT o.id FROM orders o JOIN users u ON (SELECT pg_notify('x', u.email)) IS NULL"],
  ["pg_notify in IN (subquery)", "SELECT id FROM users u WHERE 'a' IN (SELECT pg_notify('x', u.ssn)::text)"],
  ["pg_notify in = ANY (subquery)", "SELECT id FROM users u WHERE '' = ANY (SELECT pg_notify('x', u.email)::text)"],
  ["pg_notify in EXISTS", "SELECT id FROM users u WHERE EXISTS (SELECT pg_notify('x', u.email))"],
  ["pg_notify in a window clause", "SELECT id, row_number() OVER (ORDER BY (SELECT pg_notify('x', email)::text)) FROM users"],
  ["pg_notify in a CTE read by a filter", "WITH n AS (SELECT pg_notify('x', email) AS v FROM users) SELECT 1 WHERE EXISTS (SELECT 1 FROM n)"],
  ["pg_notify in a LATERAL function", "SELECT u.id FROM users u, LATERAL pg_notify('x', u.email) n"],
  ["pg_notify in an aggregate's filter", "SELECT count(*) FILTER (WHERE (SELECT pg_notify('x', email)) IS NULL) FROM users"],
  ["pg_notify in the WHERE of an UPDATE", "UPDATE users SET age = age WHERE id > 0 AND (SELECT pg_notify('x', email)) IS NULL"],
  ["pg_notify in the WHERE of a DELETE", "DELETE FROM users WHERE id > 0 AND (SELECT pg_notify('x', ssn)) IS NULL"],
  ["pg_notify in a MERGE condition", "MERGE INTO users t USING users s ON t.id = s.id AND (SELECT pg_notify('x', s.email)) IS NULL WHEN MATCHED THEN DO NOTHING"],
  ["pg_notify inside a CASE in WHERE", "SELECT id FROM users WHERE CASE WHEN id > 0 THEN (SELECT pg_notify('x', email)) IS NULL ELSE true END"],
  ["pg_notify qualified by pg_catalog", "SELECT id FROM users WHERE (SELECT pg_catalog.pg_notify('x', upper(email))) IS NULL"],
  ["lo_from_bytea in WHERE", "SELECT id FROM users WHERE (SELECT lo_from_bytea(4242 + id, convert_to(email, 'UTF8'))) > 0"],
  ["lo_from_bytea in ORDER BY", "SELECT id FROM users ORDER BY (SELECT lo_from_bytea(5242 + id, convert_to(ssn, 'UTF8')))"],
  ["set_config in a filter", "SELECT id FROM users WHERE (SELECT set_config('portcullis.leak', email, false)) IS NOT NULL"],
  ["setval fed a masked length", "SELECT id FROM users WHERE (SELECT setval('leak_seq', length(email))) > 0"],
  // Made on the server: an operator whose function is pg_notify, a domain whose CHECK calls it.
  ["an operator backed by pg_notify", "SELECT id FROM users WHERE ('x' ### email) IS NULL"],
  ["a cast to a domain whose CHECK notifies", "SELECT id FROM users WHERE email::noisy IS NOT NULL"],
];

let g: GatewayUnderTest;
let tee: TcpTee;
let client: pg.Client;
const asides: string[] = [];

test.before(async () => {
  g = await startGatewayUnderTest();
  await g.pg.query(`
    CREATE SEQUENCE leak_seq; GRANT ALL ON SEQUENCE leak_seq TO gateway; ALTER TABLE users OWNER TO gateway;
    CREATE OPERATOR ### (leftarg = text, rightarg = text, function = pg_notify);
    CREATE DOMAIN noisy AS text CHECK (pg_notify('x', VALUE) IS NOT NULL);
  `);
  tee = await startTee(g.gateway.port);
  client = new pg.Client({ host: "127.0.0.1", port: tee.port, user: "alice", database: "demo", password: await g.token() });
  client.on("notice", (n) => asides.push(`notice ${JSON.stringify(n)}`));
  client.on("notification", (n) => asides.push(`notification ${JSON.stringify(n)}`));
  await client.connect();
  await client.query("LISTEN x");
});
test.after(async () => {
  await client?.end();
  await tee?.close();
  await g?.stop();
});

/** Everything the client was sent since `from` (a byte offset), with what node-postgres reported aside. */
function received(from: number): string {
  const bytes = tee.allToClient().subarray(from);
  return `${bytes.toString("utf8")}\n${bytes.toString("latin1")}\n${asides.join("\n")}`;
}

/** Sends `sql` as alice: it must be denied, and nothing the client receives meanwhile may hold a secret. */
async function deniedWithoutLeak(sql: string): Promise<void> {
  const from = tee.allToClient().length;
  asides.length = 0;
  const error = await client.query(sql).then(
    (r) => new Error(`allowed: ${JSON.stringify(r.rows)}`),
    (e: Error) => e,
  );
  // A notification is delivered before ReadyForQuery; give a late one a moment anyway.
  await new Promise((r) => setTimeout(r, 20));
  const all = received(from).toLowerCase();
  for (const needle of NEEDLES) assert.not.ok(all.includes(needle.toLowerCase()), `the client received ${JSON.stringify(needle)}`);
  assert.is((error as pg.DatabaseError).code, "42501", error.message);
  assert.match(error.message, /Portcullis denied this statement: .*masked for you/);
}

for (const [name, sql] of ATTEMPTS) {
  test(`denied: ${name}`, () => deniedWithoutLeak(sql));
}

test("a temporary domain named text shadows the built-in type: a cast to text in a filter is denied", async () => {
  // The session's temporary schema is searched for type names before pg_catalog.
  await client.query("CREATE DOMAIN pg_temp.text AS pg_catalog.text CHECK (pg_notify('x', VALUE) IS NOT NULL)");
  await deniedWithoutLeak("SELECT id FROM users WHERE email::text IS NOT NULL");
  await client.query("DROP DOMAIN pg_temp.text");
});

test("nothing was left on the server to read back: no large object, setting or sequence value", async () => {
  const objects = await g.pg.query<{ n: string }>("SELECT count(*)::text AS n FROM pg_largeobject_metadata");
  assert.is(objects.rows[0]!.n, "0");
  const seq = await g.pg.query<{ is_called: boolean }>("SELECT is_called FROM leak_seq");
  assert.is(seq.rows[0]!.is_called, false);
  const read = await client.query("SELECT current_setting('portcullis.leak', true) AS v");
  assert.ok([null, ""].includes(read.rows[0].v as string | null), JSON.stringify(read.rows));
  for (const oid of [4243, 4244, 5243, 5244]) {
    const back = await client.query(`SELECT lo_get(${oid})`).then(
      (r) => JSON.stringify(r.rows),
      (e: pg.DatabaseError) => e.code ?? "",
    );
    for (const needle of NEEDLES) assert.not.ok(back.includes(needle), back);
  }
});

test("side effects on values that are not masked still work, and the notification arrives", async () => {
  asides.length = 0;
  const r = await client.query("SELECT id FROM users WHERE (SELECT pg_notify('x', name)) IS NOT NULL ORDER BY id");
  assert.equal(r.rows.map((row: { id: number }) => row.id), [1, 2, 3]);
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.ok(asides.some((a) => a.includes("Ada")), asides.join("\n"));
  const seq = await client.query("SELECT nextval('leak_seq') AS v");
  assert.is(String(seq.rows[0].v), "1");
});

test("no byte any client received held a secret", () => {
  const all = tee.allToClient();
  for (const needle of NEEDLES) assert.is(all.indexOf(needle), -1, needle);
});

test.run();
