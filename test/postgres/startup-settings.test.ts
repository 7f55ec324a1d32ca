import { test } from "uvu";
import * as assert from "uvu/assert";
import pg from "pg";
import { startGatewayUnderTest, type GatewayUnderTest } from "../support/pg-gateway.js";
import { firstColumns, passwordMessage, queryMessage, WireClient } from "../support/pg-wire.js";
import { run } from "../support/run.js";

/**
 * Settings a client asks for at login (libpq's options/PGOPTIONS, node-postgres's statement_timeout
 * and friends) reach the server through the gateway exactly as they do directly, each decided by the
 * policy as the SET it amounts to; a denied or unreadable one refuses the login with a clear error.
 */

let g: GatewayUnderTest;
type Side = "direct" | "gateway";

test.before(async () => {
  g = await startGatewayUnderTest();
});
test.after(async () => {
  await g?.stop();
});

async function psqlEnv(side: Side, extra: NodeJS.ProcessEnv): Promise<NodeJS.ProcessEnv> {
  const base =
    side === "gateway"
      ? await g.env()
      : { ...process.env, PGHOST: g.pg.host, PGPORT: String(g.pg.port), PGUSER: g.pg.superuser, PGPASSWORD: g.pg.password, PGDATABASE: g.pg.database, PGSSLMODE: "disable" };
  return { ...base, ...extra };
}

async function psqlOn(side: Side, sql: string, extra: NodeJS.ProcessEnv) {
  return run("psql", ["-X", "-A", "-t", "-c", sql], await psqlEnv(side, extra));
}

async function clientOn(side: Side, config: pg.ClientConfig): Promise<pg.Client> {
  const where: pg.ClientConfig =
    side === "direct"
      ? { host: g.pg.host, port: g.pg.port, user: g.pg.superuser, password: g.pg.password, database: g.pg.database }
      : { host: "127.0.0.1", port: g.gateway.port, user: "alice", database: "demo", password: await g.token() };
  const client = new pg.Client({ ...where, ...config });
  await client.connect();
  return client;
}

test("PGOPTIONS statement_timeout cancels a slow statement through the gateway as it does directly", async () => {
  // 200 ms, not 1 ms: a timer that fires before the statement is under way can be reported by the
  // server itself as "user request" (seen directly, under load), which is not what this test is about.
  const sides = await Promise.all((["direct", "gateway"] as const).map((side) => psqlOn(side, "select pg_sleep(3)", { PGOPTIONS: "-c statement_timeout=200ms" })));
  for (const [i, r] of sides.entries()) {
    assert.is(r.code, 1, r.stderr);
    assert.ok(/canceling statement due to statement timeout/.test(r.stderr), `${i === 0 ? "directly" : "through the gateway"}: ${r.stderr}`);
  }
  assert.is(sides[1]!.stderr, sides[0]!.stderr);
});

test("every startup setting reads back the same through the gateway as directly", async () => {
  const sql = "SELECT current_setting('statement_timeout'), current_setting('idle_in_transaction_session_timeout'), current_setting('search_path'), current_setting('default_transaction_isolation'), current_setting('application_name'), current_setting('lock_timeout')";
  const config: pg.ClientConfig = {
    statement_timeout: 4321,
    idle_in_transaction_session_timeout: 9876,
    lock_timeout: 1234,
    application_name: "settings check",
    options: "-c search_path=pg_catalog,\\ public --default-transaction-isolation=serializable",
  };
  const rows: unknown[] = [];
  for (const side of ["direct", "gateway"] as const) {
    const client = await clientOn(side, config);
    try {
      rows.push((await client.query({ text: sql, rowMode: "array" })).rows);
    } finally {
      await client.end();
    }
  }
  assert.equal(rows[0], [["4321ms", "9876ms", "pg_catalog, public", "serializable", "settings check", "1234ms"]]);
  assert.equal(rows[1], rows[0]);
});

test("escapes and the -cname=value form are read as the server reads them", async () => {
  const outs = await Promise.all(
    (["direct", "gateway"] as const).map((side) => psqlOn(side, "SELECT current_setting('myapp.label') || '/' || current_setting('work_mem')", { PGOPTIONS: "-cmyapp.label=two\\ words\\\\x --work-mem=2MB" })),
  );
  assert.is(outs[0]!.stdout.trim(), "two words\\x/2MB");
  assert.is(outs[1]!.stdout, outs[0]!.stdout);
});

test("a setting the policy denies refuses the login with 42501 naming it, and nothing reaches the target", async () => {
  const r = await psqlOn("gateway", "SELECT current_user", { PGOPTIONS: "-c role=postgres" });
  assert.is(r.code, 2);
  assert.match(r.stderr, /FATAL: {2}Portcullis denied the startup setting role: SET ROLE is not allowed/);
  const error = await clientOn("gateway", { options: "-c session_authorization=postgres" }).then(
    () => undefined,
    (e: { code?: string; message?: string }) => e,
  );
  assert.is(error?.code, "42501");
  assert.match(String(error?.message), /startup setting session_authorization/);
  const decided = g.events.filter((e) => e.type === "decision" && e.request.text.includes(`SET "role" = 'postgres'`));
  assert.is(decided.length, 1, "the refused setting is audited");
});

test("options the gateway does not understand refuse the login instead of being dropped", async () => {
  for (const options of ["-B 100", "-c statement_timeout", "stray", "-c user=postgres", "--options=-crole=x", "-c replication=database"]) {
    const r = await psqlOn("gateway", "SELECT 1", { PGOPTIONS: options });
    assert.is(r.code, 2, `${options}: ${r.stdout}`);
    assert.match(r.stderr, /FATAL/, options);
  }
  const replication = await clientOn("gateway", { replication: "database" } as pg.ClientConfig).then(
    (c) => c.end().then(() => "connected"),
    (e: { code?: string }) => e.code,
  );
  assert.is(replication, "0A000");
});

test("an unknown setting gets the server's own refusal", async () => {
  const direct = await psqlOn("direct", "SELECT 1", { PGOPTIONS: "-c no_such_setting=1" });
  const gateway = await psqlOn("gateway", "SELECT 1", { PGOPTIONS: "-c no_such_setting=1" });
  assert.is(direct.code, 2);
  assert.is(gateway.code, 2);
  assert.match(direct.stderr, /unrecognized configuration parameter "no_such_setting"/);
  assert.match(gateway.stderr, /unrecognized configuration parameter "no_such_setting"/);
});

test("a search_path set at login is followed when names are resolved: no masked column escapes through another schema", async () => {
  await g.pg.query("CREATE SCHEMA shadow; CREATE VIEW shadow.users AS SELECT * FROM public.users; GRANT USAGE ON SCHEMA shadow TO gateway; GRANT SELECT ON shadow.users TO gateway");
  const viaOptions = await psqlOn("gateway", "SELECT email FROM users WHERE id = 1", { PGOPTIONS: "-c search_path=shadow,public" });
  assert.not.match(viaOptions.stdout + viaOptions.stderr, /ada@example\.com/);
  const client = await clientOn("gateway", { options: "--search-path=shadow,public" });
  try {
    const r = await client.query("SELECT email FROM users WHERE id = 1").then((x) => JSON.stringify(x.rows), (e: Error) => e.message);
    assert.not.match(r, /ada@example\.com/);
  } finally {
    await client.end();
  }
});

test("a session never runs in a client encoding the gateway cannot read SQL in, however it was spelled at login", async () => {
  const spellings: Array<Record<string, string>> = [{ client_encoding: "SJIS" }, { client_encoding: "S/JIS" }, { client_encoding: "s.j.i.s" }, { client_encoding: "Shift-JIS" }, { client_encoding: "win950" }, { options: "-c client_encoding=mskanji" }, { options: "-c client_encoding=BIG5" }];
  let refused = 0;
  for (const parameters of spellings) {
    const client = await WireClient.open(g.gateway.port);
    client.send(rawStartup({ user: "alice", database: "demo", ...parameters }));
    await client.next("R");
    client.send(passwordMessage(await g.token()));
    const what = JSON.stringify(parameters);
    await client.until(() => client.hasClosed || client.messages().some((m) => m.type === "Z"), 5000, "the end of the login");
    if (client.hasClosed) {
      const error = client.errors()[0];
      assert.ok(error?.code === "0A000" || error?.code === "42501", `${what}: ${JSON.stringify(error)}`);
      refused += 1;
      continue;
    }
    const [encoding] = firstColumns(await client.exchange(1, queryMessage("SHOW client_encoding")));
    assert.not.match(String(encoding), /^(SJIS|SHIFT_JIS_2004|BIG5|GBK|UHC|GB18030|JOHAB)$/i, what);
    client.destroy();
  }
  // The rest ran in an encoding the gateway reads (the server settles some spellings on UTF8 at login).
  assert.ok(refused >= spellings.length - 1, `only ${refused} logins were refused`);
});

/** A StartupMessage with exactly these parameters (node-postgres's serializer appends client_encoding=UTF8). */
function rawStartup(parameters: Record<string, string>): Buffer {
  const pairs = Buffer.from(`${Object.entries(parameters).map(([k, v]) => `${k}\0${v}\0`).join("")}\0`);
  const head = Buffer.alloc(8);
  head.writeInt32BE(8 + pairs.length, 0);
  head.writeInt32BE(196608, 4);
  return Buffer.concat([head, pairs]);
}

test("options are split and unescaped exactly as the server does it", async () => {
  const read = "SELECT current_setting('myapp.a', true) AS a, current_setting('myapp.b', true) AS b, current_setting('my_app.c', true) AS c";
  const cases = [
    "-c myapp.a=x\t-c myapp.b=y",
    "  -c   myapp.a=spaces   --myapp.b=dash-value  ",
    "-c myapp.a=trailing\\",
    "-c myapp.a=a\\\\b\\ c -cmyapp.b=\\-c",
    "--my-app.c=dashed-name -c myapp.a=1=2",
    "-c myapp.a=first -c myapp.a=second",
    "",
  ];
  for (const options of cases) {
    const seen: string[] = [];
    for (const side of ["direct", "gateway"] as const) {
      const client = await clientOn(side, { options });
      try {
        seen.push(JSON.stringify((await client.query(read)).rows));
      } finally {
        await client.end();
      }
    }
    assert.is(seen[1], seen[0], JSON.stringify(options));
  }
});

test("options the server cannot read are refused with the server's SQLSTATE", async () => {
  for (const options of ["-c", "-c myapp.a", "--myapp.a", "stray", "-c myapp.a=1 extra"]) {
    const codes: string[] = [];
    for (const side of ["direct", "gateway"] as const) {
      codes.push(await clientOn(side, { options }).then((c) => c.end().then(() => "connected"), (e: { code?: string }) => String(e.code)));
    }
    assert.is(codes[1], codes[0], JSON.stringify(options));
    assert.is.not(codes[0], "connected");
  }
});

test.run();
