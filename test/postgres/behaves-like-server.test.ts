import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { startGatewayUnderTest, type GatewayUnderTest } from "../support/pg-gateway.js";
import { run } from "../support/run.js";

/**
 * The same client code, run directly against PostgreSQL and through the gateway, must see the same
 * outcome wherever the gateway lets the statements through: error codes, what commits, how many error
 * events a driver emits, and prepared-statement names as the server keeps them.
 */

let g: GatewayUnderTest;
let dir: string;

test.before(async () => {
  g = await startGatewayUnderTest();
  dir = mkdtempSync(join(tmpdir(), "portcullis-like-server-"));
});
test.after(async () => {
  await g?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

type Side = "direct" | "gateway";

async function connect(side: Side): Promise<pg.Client> {
  if (side === "direct") return g.pg.connect();
  const client = new pg.Client({ host: "127.0.0.1", port: g.gateway.port, user: "alice", database: "demo", password: await g.token() });
  await client.connect();
  return client;
}

async function psqlEnv(side: Side): Promise<NodeJS.ProcessEnv> {
  if (side === "gateway") return g.env();
  return { ...process.env, PGHOST: g.pg.host, PGPORT: String(g.pg.port), PGUSER: g.pg.superuser, PGPASSWORD: g.pg.password, PGDATABASE: g.pg.database, PGSSLMODE: "disable" };
}

function codeOf(promise: Promise<unknown>): Promise<string> {
  return promise.then(
    () => "ok",
    (error: { code?: string; message?: string }) => error.code ?? `client: ${error.message}`,
  );
}

async function both<T>(scenario: (side: Side) => Promise<T>): Promise<void> {
  const direct = await scenario("direct");
  const through = await scenario("gateway");
  assert.equal(through, direct, "through the gateway the client must see what it sees directly");
}

test("psql -1 -f with a mistyped statement commits nothing, as directly", async () => {
  await both(async (side) => {
    const file = join(dir, `script-${side}.sql`);
    writeFileSync(file, "INSERT INTO orders VALUES (500, 1, 1, 'one');\nSELEC oops;\nINSERT INTO orders VALUES (501, 1, 1, 'two');\n");
    const r = await run("psql", ["-X", "-q", "-v", "VERBOSITY=verbose", "-1", "-f", file], await psqlEnv(side));
    const firstError = /ERROR:\s+(\w{5}): ([^\n]*)/.exec(r.stderr);
    const caret = /LINE 1: SELEC oops;?\n\s*\^/.test(r.stderr);
    const rows = await g.pg.query<{ n: string }>("SELECT count(*)::text AS n FROM orders WHERE id IN (500, 501)");
    assert.ok(caret, `psql points at the error: ${r.stderr}`);
    return { code: r.code, firstError: firstError?.slice(1), caret, committed: rows.rows[0]!.n };
  });
});

test("a refusal inside a transaction leaves the driver's transaction failed, as a server error does", async () => {
  await both(async (side) => {
    const client = await connect(side);
    await client.query("BEGIN");
    // Directly, a server-side failure; through the gateway, a policy refusal: the transaction ends alike.
    const failed = await codeOf(client.query(side === "direct" ? "SELECT 1/0" : "DELETE FROM orders"));
    const next = await codeOf(client.query("SELECT 1"));
    const end = await client.query("COMMIT");
    await client.end();
    return { failed: failed !== "ok", next, end: end.command };
  });
});

test("prepared statement names follow the server: after DEALLOCATE, DISCARD ALL and a failed Parse", async () => {
  await both(async (side) => {
    const client = await connect(side);
    const outcomes: string[] = [];
    const first = { name: "s1", text: "SELECT 1 AS v" };
    outcomes.push(await codeOf(client.query(first)));
    outcomes.push(await codeOf(client.query("DEALLOCATE s1")));
    // node-postgres believes s1 still exists and only binds it: the server says it does not.
    outcomes.push(await codeOf(client.query(first)));
    outcomes.push(await codeOf(client.query({ name: "s2", text: "SELECT 2 AS v" })));
    outcomes.push(await codeOf(client.query("DISCARD ALL")));
    outcomes.push(await codeOf(client.query({ name: "s2", text: "SELECT 2 AS v" })));
    outcomes.push(await codeOf(client.query({ name: "s3", text: "SELEC 3" })));
    await client.end();
    // A fresh session: the name of a Parse the server rejected is free for the next Parse.
    const again = await connect(side);
    outcomes.push(await codeOf(again.query({ name: "s4", text: "SELECT nope FROM users" })));
    outcomes.push(await codeOf(again.query("PREPARE s4 AS SELECT 4 AS v")));
    const four = await again.query("EXECUTE s4");
    outcomes.push(String(four.rows[0]?.v));
    await again.end();
    return outcomes;
  });
});

test("definitions made earlier in the same Query are used by the statements after them, as on the server", async () => {
  const scripts = [
    "PREPARE p(int) AS SELECT note FROM orders WHERE id = $1; EXECUTE p(3); EXECUTE p(4)",
    "PREPARE q AS SELECT id FROM orders ORDER BY id LIMIT 2; EXECUTE q; DEALLOCATE q; EXECUTE q",
    "BEGIN; DECLARE c CURSOR FOR SELECT id, note FROM orders ORDER BY id; FETCH 2 FROM c; MOVE 1 IN c; FETCH 1 FROM c; COMMIT",
    "BEGIN; DECLARE c CURSOR FOR SELECT id FROM orders ORDER BY id; SAVEPOINT s; FETCH 2 FROM c; ROLLBACK TO SAVEPOINT s; FETCH 2 FROM c; COMMIT",
    "BEGIN; SAVEPOINT s; DECLARE c CURSOR FOR SELECT note FROM orders ORDER BY id; ROLLBACK TO SAVEPOINT s; DECLARE c CURSOR FOR SELECT id FROM orders ORDER BY id DESC; FETCH 2 FROM c; COMMIT",
  ];
  await both(async (side) => {
    const env = await psqlEnv(side);
    const out: Array<{ code: number; stdout: string; errors: string[] }> = [];
    for (const script of scripts) {
      const r = await run("psql", ["-X", "-At", "-c", script], env);
      out.push({ code: r.code ?? -1, stdout: r.stdout, errors: r.stderr.split("\n").filter((l) => l.startsWith("ERROR")) });
    }
    return out;
  });
});

test("the server's FATAL ends the session with one error, not a second one from the gateway", async () => {
  await both(async (side) => {
    const client = await connect(side);
    const errors: string[] = [];
    client.on("error", (error: Error & { code?: string }) => errors.push(error.code ?? error.message));
    const pid = (await client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0]!.pid;
    const ended = new Promise<void>((resolve) => client.once("end", () => resolve()));
    await g.pg.query("SELECT pg_terminate_backend($1)", [pid]);
    await ended;
    await new Promise((r) => setTimeout(r, 200));
    return errors;
  });
});

test.run();
