import { createHash } from "node:crypto";
import pg from "pg";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { PII_READER, startGatewayUnderTest, type GatewayUnderTest } from "../support/pg-gateway.js";
import { run } from "../support/run.js";
import { startTee, type TcpTee } from "../support/tcp-tee.js";
import { ATTEMPTS, type Attempt } from "./masking-bypass-attempts.js";

/**
 * Attempts to get a masked value (public.users.email, public.users.ssn) out of the gateway in clear, by
 * an identity outside pii-readers, with psql and node-postgres through a byte-copying relay: whatever
 * the outcome, none of the secrets below may appear in a single byte the client receives. Each attempt
 * names what must happen instead: the value comes out masked, the statement is denied (42501), or the
 * server's error message is withheld because it could quote the value.
 */

const SECRETS = ["ada@example.com", "grace@example.com", "123-45-6789", "987-65-4321"];
/** Pieces and encodings a clever query could return instead of the whole value. */
const NEEDLES = [
  ...SECRETS,
  ...["ada@", "grace@", "123-45", "987-65", "45-67", "65-43"],
  ...SECRETS.map((s) => createHash("md5").update(s).digest("hex")),
  ...SECRETS.map((s) => Buffer.from(s).toString("hex")),
  ...SECRETS.map((s) => Buffer.from(s).toString("base64")),
  ...SECRETS.map((s) => [...s].reverse().join("")),
];

/** Objects a DBA made on the server itself, before and outside the gateway. */
const SERVER_OBJECTS = `
  CREATE VIEW contacts AS SELECT id, email FROM users;
  CREATE VIEW contact_digest AS SELECT id, lower(email) AS e, ssn AS s FROM users;
  CREATE VIEW contacts_again AS SELECT * FROM contacts;
  CREATE VIEW user_rows AS SELECT u AS r FROM users u;
  CREATE VIEW profiles AS SELECT id, name FROM users;
  CREATE MATERIALIZED VIEW ssn_cache AS SELECT id, ssn FROM users;
  CREATE FUNCTION all_users() RETURNS SETOF users LANGUAGE sql STABLE AS 'SELECT * FROM users';
  CREATE FUNCTION people() RETURNS TABLE (pid int, mail text) LANGUAGE sql STABLE AS 'SELECT id, email FROM users';
  CREATE FUNCTION first_email() RETURNS text LANGUAGE plpgsql STABLE AS $$BEGIN RETURN (SELECT email FROM users ORDER BY id LIMIT 1); END$$;
  CREATE VIEW via_function AS SELECT first_email() AS e;
  CREATE TABLE vip_users () INHERITS (users);
  INSERT INTO vip_users VALUES (10, 'Ada again', 'ada@example.com', '123-45-6789', 36);
  CREATE VIEW vip_contacts AS SELECT id, email FROM vip_users;
  CREATE TABLE scratch (id int, note text);
  ALTER TABLE users OWNER TO gateway;
  GRANT ALL ON ALL TABLES IN SCHEMA public TO gateway;
  ANALYZE users;
`;

let g: GatewayUnderTest;
let tee: TcpTee;
let env: NodeJS.ProcessEnv;
let client: pg.Client;
/** What node-postgres reported besides results: notices and notifications. */
const asides: string[] = [];

test.before(async () => {
  g = await startGatewayUnderTest();
  await g.pg.query(SERVER_OBJECTS);
  tee = await startTee(g.gateway.port);
  env = { ...(await g.env()), PGPORT: String(tee.port) };
  client = new pg.Client({ host: "127.0.0.1", port: tee.port, user: "alice", database: "demo", password: await g.token() });
  client.on("notice", (n) => asides.push(`notice ${JSON.stringify(n)}`));
  client.on("notification", (n) => asides.push(`notification ${JSON.stringify(n)}`));
  await client.connect();
});
test.after(async () => {
  await client?.end();
  await tee?.close();
  await g?.stop();
});

/** What one attempt gave the client: results or error as the client library saw them. */
interface Outcome {
  ok: boolean;
  code?: string;
  text: string;
}

async function attempt(a: Attempt): Promise<Outcome> {
  if (a.client === "psql") {
    const r = await run("psql", ["-X", "-A", "-t", "-v", "VERBOSITY=verbose", "-f", "-"], env, a.sql);
    const code = /ERROR:\s+([0-9A-Z]{5}):/.exec(r.stderr)?.[1];
    return code ? { ok: false, code, text: r.stdout + r.stderr } : { ok: r.code === 0, text: r.stdout + r.stderr };
  }
  const config: pg.QueryConfig & { binary?: boolean; types?: unknown } = { text: a.sql };
  if (a.values) config.values = a.values;
  if (a.client === "pg-binary") {
    // Every value raw, as the server sent it: nothing is decoded or hidden by the client library.
    config.binary = true;
    config.types = { getTypeParser: () => (v: unknown) => (Buffer.isBuffer(v) ? v.toString("utf8") : v) };
  }
  try {
    const result = (await client.query(config)) as pg.QueryResult | pg.QueryResult[];
    const rows = (Array.isArray(result) ? result : [result]).map((r) => r.rows);
    return { ok: true, text: JSON.stringify(rows) };
  } catch (error) {
    const e = error as pg.DatabaseError;
    await client.query("ROLLBACK").catch(() => undefined);
    return { ok: false, code: e.code, text: JSON.stringify({ message: e.message, detail: e.detail, hint: e.hint, where: e.where, internalQuery: e.internalQuery }) };
  }
}

for (const a of ATTEMPTS) {
  test(`${a.expect.outcome}: ${a.name} (${a.client})`, async () => {
    // node-postgres keeps the tee's first connection; psql connects anew each time.
    const before = Buffer.concat(tee.connections[0]!.toClient).length;
    asides.length = 0;
    const out = await attempt(a);
    const received = a.client === "psql" ? Buffer.concat(tee.connections.at(-1)!.toClient) : Buffer.concat(tee.connections[0]!.toClient).subarray(before);
    const everything = `${received.toString("utf8")}\n${received.toString("latin1")}\n${out.text}\n${asides.join("\n")}`;
    for (const needle of NEEDLES) assert.not.ok(everything.includes(needle), `the client received ${JSON.stringify(needle)}: ${out.text}`);
    const e = a.expect;
    switch (e.outcome) {
      case "masked":
        assert.ok(out.ok, `expected masked rows, got ${out.code}: ${out.text}`);
        assert.match(out.text, e.shows ?? /\*\*\*\*/);
        break;
      case "denied":
        assert.is(out.code, "42501", out.text);
        assert.match(out.text, /Portcullis denied this statement/);
        if (e.reason) assert.match(out.text, e.reason);
        break;
      case "withheld":
        assert.is(out.code, e.code, out.text);
        assert.match(out.text, /Portcullis withheld/);
        break;
      case "allowed":
        assert.ok(out.ok, `expected an answer, got ${out.code}: ${out.text}`);
        break;
    }
  });
}

test("none of the attempts left a secret anywhere in the bytes sent to any client", () => {
  const all = tee.allToClient();
  for (const needle of NEEDLES) assert.is(all.indexOf(needle), -1, needle);
});

test("the copies and renames that were denied never happened on the server", async () => {
  const scratch = await g.pg.query<{ n: string }>("SELECT count(*)::text AS n FROM scratch");
  assert.is(scratch.rows[0]!.n, "0");
  const columns = await g.pg.query<{ attname: string }>("SELECT attname FROM pg_attribute WHERE attrelid = 'users'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum");
  assert.equal(columns.rows.map((r) => r.attname), ["id", "name", "email", "ssn", "age"]);
  const objects = await g.pg.query<{ n: string }>("SELECT count(*)::text AS n FROM pg_largeobject_metadata");
  assert.is(objects.rows[0]!.n, "0");
});

test("a view and a function created on the server after their names were first tried are seen at once", async () => {
  const missing = async (sql: string): Promise<string | undefined> =>
    client.query(sql).then(
      () => undefined,
      (e: pg.DatabaseError) => e.code,
    );
  assert.is(await missing("SELECT * FROM late_contacts"), "42P01");
  assert.is(await missing("SELECT late_email()"), "42883");
  await g.pg.query(`
    CREATE VIEW late_contacts AS SELECT id, email FROM users;
    CREATE FUNCTION late_email() RETURNS text LANGUAGE sql STABLE AS 'SELECT email FROM users ORDER BY id LIMIT 1';
    GRANT SELECT ON late_contacts TO gateway;
  `);
  for (const sql of ["SELECT * FROM late_contacts", "SELECT late_email()"]) {
    const error = await client.query(sql).then(
      (r) => new Error(`${sql} returned ${JSON.stringify(r.rows)}`),
      (e: pg.DatabaseError) => e,
    );
    assert.is((error as pg.DatabaseError).code, "42501", error.message);
    assert.match(error.message, /Portcullis denied this statement/);
  }
});

test("a reader is not denied or withheld anything: the same views, functions and errors come through in clear", async () => {
  const reader = new pg.Client({ host: "127.0.0.1", port: g.gateway.port, user: "pat", database: "demo", password: await g.token(PII_READER) });
  await reader.connect();
  try {
    const view = await reader.query("SELECT email FROM contacts WHERE id = 1");
    assert.equal(view.rows, [{ email: "ada@example.com" }]);
    const fn = await reader.query("SELECT mail FROM people() WHERE pid = 2");
    assert.equal(fn.rows, [{ mail: "grace@example.com" }]);
    const error = await reader.query("SELECT id FROM users WHERE ssn::int = 1").then(
      () => undefined,
      (e: pg.DatabaseError) => e,
    );
    assert.is(error?.code, "22P02");
    assert.match(error!.message, /invalid input syntax for type integer/);
  } finally {
    await reader.end();
  }
});

test("a view that reads no masked column stays readable, and other runtime errors keep their SQLSTATE", async () => {
  const r = await client.query("SELECT name FROM profiles ORDER BY id");
  // users holds its inheritance child's rows too.
  assert.equal(r.rows.map((row: { name: string }) => row.name), ["Ada", "Grace", "Linus", "Ada again"]);
  const typo = await client.query("SELECT emial FROM users").then(
    () => undefined,
    (e: pg.DatabaseError) => e,
  );
  // Found while analysing the client's own text (it has a position): nothing to withhold.
  assert.is(typo?.code, "42703");
  assert.match(typo!.message, /column "emial" does not exist/);
  const zero = await client.query("SELECT 1 / (age - age) FROM users").then(
    () => undefined,
    (e: pg.DatabaseError) => e,
  );
  assert.is(zero?.code, "22012");
});

test.run();
