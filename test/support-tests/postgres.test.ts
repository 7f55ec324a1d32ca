import { existsSync, statSync } from "node:fs";
import { connect as connectTcp } from "node:net";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { freePort } from "../support/free-port.js";
import { startPostgres, type RunningPostgres } from "../support/postgres.js";

/** Resolves true when something accepts TCP connections on 127.0.0.1:port. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connectTcp({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

test("freePort returns a loopback port nothing listens on", async () => {
  const port = await freePort();
  assert.ok(port > 0 && port < 65536, String(port));
  assert.is(await accepts(port), false);
});

test("two servers run side by side, each on its own port and directory", async () => {
  const [a, b] = await Promise.all([startPostgres(), startPostgres()]);
  try {
    assert.is.not(a.port, b.port);
    assert.is.not(a.dataDir, b.dataDir);
    assert.is.not(a.password, b.password);
    const [ra, rb] = await Promise.all([a.query<{ port: string }>("SHOW port"), b.query<{ port: string }>("SHOW port")]);
    assert.is(Number(ra.rows[0]!.port), a.port);
    assert.is(Number(rb.rows[0]!.port), b.port);
  } finally {
    await Promise.all([a.stop(), b.stop()]);
  }
});

test("a server answers the real psql with its password, and is gone after stop", async () => {
  const pg = await startPostgres();
  try {
    assert.is(pg.host, "127.0.0.1");
    assert.is(pg.url, `postgresql://postgres:${encodeURIComponent(pg.password)}@127.0.0.1:${pg.port}/postgres`);
    assert.ok(statSync(pg.dataDir).isDirectory());
    const result = await pg.psql("SELECT 40 + 2; SELECT current_user;");
    assert.equal(result, { stdout: "42\npostgres\n", stderr: "", code: 0 });
    const settings = await pg.psql("SHOW fsync; SHOW listen_addresses; SHOW password_encryption;");
    assert.is(settings.stdout, "off\n127.0.0.1\nscram-sha-256\n");
  } finally {
    await pg.stop();
  }
  assert.is(existsSync(pg.dataDir), false, "the data directory is removed");
  assert.is(await accepts(pg.port), false, "nothing listens on the port any more");
  await pg.stop(); // a second stop is harmless
});

let shared: RunningPostgres;

test("users, initSql and settings are applied at start; node-postgres and psql see them", async () => {
  shared = await startPostgres({
    users: [{ name: "app", password: "app-secret" }],
    initSql: "CREATE TABLE t (id int PRIMARY KEY, note text); INSERT INTO t VALUES (1, 'one'), (2, 'two'); GRANT SELECT ON t TO app;",
    settings: { application_name: "harness-check", work_mem: "8MB" },
  });
  const rows = await shared.query<{ id: number; note: string }>("SELECT id, note FROM t WHERE id > $1 ORDER BY id", [0], { user: "app", password: "app-secret" });
  assert.equal(rows.rows, [{ id: 1, note: "one" }, { id: 2, note: "two" }]);
  assert.is((await shared.psql("SHOW work_mem;")).stdout, "8MB\n");
  const asApp = await shared.psql("SELECT count(*) FROM t; SELECT rolsuper FROM pg_roles WHERE rolname = current_user;", { user: "app", password: "app-secret" });
  assert.equal(asApp, { stdout: "2\nf\n", stderr: "", code: 0 });
});

test("password authentication is enforced over TCP for psql and node-postgres", async () => {
  const wrong = await shared.psql("SELECT 1;", { user: "app", password: "not-it" });
  assert.is(wrong.code, 2);
  assert.match(wrong.stderr, /password authentication failed for user "app"/);
  try {
    await shared.query("SELECT 1", [], { user: "postgres", password: "not-it" });
    assert.unreachable("a wrong superuser password must be refused");
  } catch (error) {
    assert.match(String(error), /password authentication failed for user "postgres"/);
  }
});

test("createRole makes a login role; SQL errors come back from psql with a non-zero exit", async () => {
  await shared.createRole("o'brien \"q\"", "pw'with quote");
  const who = await shared.psql("SELECT current_user;", { user: "o'brien \"q\"", password: "pw'with quote" });
  assert.equal(who, { stdout: "o'brien \"q\"\n", stderr: "", code: 0 });
  const failed = await shared.psql("SELECT * FROM missing_table;");
  assert.is(failed.code, 3);
  assert.match(failed.stderr, /relation "missing_table" does not exist/);
  const client = await shared.connect({ database: "postgres" });
  try {
    assert.is((await client.query<{ v: string }>("SELECT version() AS v")).rows[0]?.v.startsWith("PostgreSQL "), true);
  } finally {
    await client.end();
  }
  await shared.stop();
  assert.is(existsSync(shared.dataDir), false);
});

test("two servers run side by side on different ports", async () => {
  const [a, b] = await Promise.all([startPostgres(), startPostgres()]);
  try {
    assert.is.not(a.port, b.port);
    assert.is((await a.psql("SELECT 'a';")).stdout, "a\n");
    assert.is((await b.psql("SELECT 'b';")).stdout, "b\n");
  } finally {
    await Promise.all([a.stop(), b.stop()]);
  }
});

test.run();
