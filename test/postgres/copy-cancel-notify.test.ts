import { spawn } from "node:child_process";
import { connect } from "node:net";
import pg from "pg";
import { serialize } from "pg-protocol";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { startGatewayUnderTest, type GatewayUnderTest } from "../support/pg-gateway.js";
import { psql, run } from "../support/run.js";

/**
 * COPY both ways, query cancellation and LISTEN/NOTIFY through the gateway, with psql and
 * node-postgres as users run them.
 */

let g: GatewayUnderTest;
/** Errors a client reported outside a query (a dropped connection): none may happen. */
const lost: Error[] = [];

test.before(async () => {
  g = await startGatewayUnderTest();
});
test.after(async () => {
  await g?.stop();
});

async function client(): Promise<pg.Client> {
  const c = new pg.Client({ host: "127.0.0.1", port: g.gateway.port, user: "alice", database: "demo", password: await g.token() });
  c.on("error", (error) => lost.push(error));
  await c.connect();
  return c;
}

/** The effect recorded for `sql` (psql sends a script's statements with their semicolon). */
function decisionFor(sql: string): string | undefined {
  const event = g.events.find((e) => e.type === "decision" && e.request.text.replace(/;\s*$/, "") === sql);
  return event?.type === "decision" ? event.verdict.effect : undefined;
}

/** What the key a client was given by the gateway is (node-postgres keeps it after BackendKeyData). */
function keyOf(c: pg.Client): { processID: number; secretKey: number } {
  return c as unknown as { processID: number; secretKey: number };
}

/** Sends a CancelRequest to the gateway, as libpq's PQcancel does: a new connection, one message, closed. */
function sendCancel(processID: number, secretKey: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port: g.gateway.port });
    socket.once("error", reject);
    socket.once("connect", () => socket.end(serialize.cancel(processID, secretKey)));
    socket.once("close", () => resolve());
  });
}

async function waitForActive(sqlPrefix: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await g.pg.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE state = 'active' AND query LIKE $1", [`${sqlPrefix}%`]);
    if (r.rows[0]!.n > 0) return;
    if (Date.now() > deadline) throw new Error(`no active query ${sqlPrefix} on the target`);
    await new Promise((res) => setTimeout(res, 50));
  }
}

test("COPY orders TO STDOUT through psql gives the target's rows, byte for byte", async () => {
  const through = await run("psql", ["-X", "-c", "COPY orders TO STDOUT"], await g.env());
  assert.is(through.stderr, "");
  assert.is(through.code, 0);
  const direct = await g.pg.psql("COPY orders TO STDOUT", { args: [] });
  assert.is(through.stdout, direct.stdout);
  assert.is(through.stdout.trim().split("\n").length, 20);
  assert.is(decisionFor("COPY orders TO STDOUT"), "allow");
});

test("COPY ... FROM STDIN in a psql script and \\copy FROM pstdin insert the rows", async () => {
  const script = "COPY orders (id, user_id, amount, note) FROM STDIN;\n501\t1\t5.00\tcopied one\n502\t2\t6.50\tcopied two\n\\.\n";
  const scripted = await run("psql", ["-X", "-v", "ON_ERROR_STOP=1"], await g.env(), script);
  assert.is(scripted.stderr, "");
  assert.is(scripted.code, 0);
  const piped = await run("psql", ["-X", "-v", "ON_ERROR_STOP=1", "-c", "\\copy orders (id, user_id, amount, note) FROM pstdin WITH (FORMAT csv)"], await g.env(), "503,3,7.25,piped\n504,1,8.00,\"with, comma\"\n");
  assert.is(piped.stderr, "");
  assert.is(piped.code, 0);
  const rows = await g.pg.query<{ id: number; note: string }>("SELECT id, note FROM orders WHERE id BETWEEN 501 AND 504 ORDER BY id");
  assert.equal(rows.rows, [
    { id: 501, note: "copied one" },
    { id: 502, note: "copied two" },
    { id: 503, note: "piped" },
    { id: 504, note: "with, comma" },
  ]);
  assert.is(decisionFor("COPY orders (id, user_id, amount, note) FROM STDIN"), "allow");
  await g.pg.query("DELETE FROM orders WHERE id BETWEEN 501 AND 504");
});

test("COPY of the users table, whose email and ssn are masked, is denied with the policy's reasons", async () => {
  const sql = "COPY users TO STDOUT";
  const r = await run("psql", ["-X", "-v", "VERBOSITY=verbose", "-c", sql], await g.env());
  assert.is(r.code, 1);
  assert.match(r.stderr, /ERROR:\s+42501: Portcullis denied this statement: column public\.users\.email is masked for you/);
  assert.not.match(r.stdout + r.stderr, /example\.com|45-67/);
  const event = g.events.find((e) => e.type === "decision" && e.request.text === sql);
  assert.ok(event?.type === "decision");
  assert.is(event.verdict.effect, "deny");
  assert.ok(event.verdict.decision.reasons.some((reason) => reason.includes("public.users.ssn")));
  // The same through a query, and the unmasked columns of the table are still copyable.
  const query = await psql(await g.env(), "COPY (SELECT id, email FROM users) TO STDOUT");
  assert.match(query.stderr, /Portcullis denied this statement/);
  const columns = await psql(await g.env(), "COPY users (id, name) TO STDOUT");
  assert.is(columns.stderr, "");
  assert.equal(columns.stdout.trim().split("\n").sort(), ["1\tAda", "2\tGrace", "3\tLinus"]);
});

test("psql's cancel (SIGINT) stops pg_sleep(30) with 57014 within seconds", async () => {
  const child = spawn("psql", ["-X", "-A", "-t", "-v", "VERBOSITY=verbose"], { env: await g.env(), stdio: ["pipe", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number>((resolve) => child.on("close", (code) => resolve(code ?? -1)));
  child.stdin.end("SELECT pg_sleep(30);\nSELECT 'after the cancel';\n");
  await waitForActive("SELECT pg_sleep(30)");
  const started = Date.now();
  child.kill("SIGINT");
  const code = await exited;
  const elapsed = Date.now() - started;
  assert.ok(elapsed < 3000, `the cancel took ${elapsed} ms`);
  assert.match(stderr, /ERROR:\s+57014: canceling statement due to user request/);
  // psql stops a script the user interrupted (exit status 3), as it does against a server.
  assert.is(stdout.trim(), "");
  assert.is(code, 3);
});

test("a CancelRequest with the key the gateway issued cancels a node-postgres query; the session continues", async () => {
  const c = await client();
  const { processID, secretKey } = keyOf(c);
  const backend = (await c.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0]!.pid;
  assert.is.not(processID, backend, "the client must hold the gateway's key, not the target's");
  const sleeping = c.query("SELECT pg_sleep(30)").then(
    () => undefined,
    (e: pg.DatabaseError) => e,
  );
  await waitForActive("SELECT pg_sleep(30)");
  const started = Date.now();
  await sendCancel(processID, secretKey);
  const error = await sleeping;
  assert.ok(Date.now() - started < 3000, "cancelled within seconds");
  assert.is(error?.code, "57014");
  assert.equal((await c.query("SELECT 'still here' AS v")).rows, [{ v: "still here" }]);
  await c.end();
});

test("a CancelRequest with a wrong key cancels nothing", async () => {
  const c = await client();
  const { processID, secretKey } = keyOf(c);
  const running = c.query("SELECT pg_sleep(1.5), 'finished' AS v");
  await waitForActive("SELECT pg_sleep(1.5)");
  await sendCancel(processID, secretKey ^ 1);
  await sendCancel(processID + 1, secretKey);
  const r = await running;
  assert.is(r.rows[0].v, "finished");
  await c.end();
});

test("LISTEN/NOTIFY crosses two gateway sessions, while the listener is idle", async () => {
  const listener = await client();
  const notifier = await client();
  await listener.query("LISTEN portcullis_events");
  const received = new Promise<pg.Notification>((resolve) => listener.once("notification", resolve));
  await notifier.query("NOTIFY portcullis_events, 'hello through the gateway'");
  const note = await Promise.race([received, new Promise<undefined>((r) => setTimeout(() => r(undefined), 5000))]);
  assert.ok(note, "no notification within 5 s");
  assert.is(note.channel, "portcullis_events");
  assert.is(note.payload, "hello through the gateway");
  // pg_notify from psql reaches the same listener.
  const second = new Promise<pg.Notification>((resolve) => listener.once("notification", resolve));
  const r = await psql(await g.env(), "SELECT pg_notify('portcullis_events', 'from psql')");
  assert.is(r.stderr, "");
  assert.is((await second).payload, "from psql");
  await listener.end();
  await notifier.end();
});

test("no session was dropped along the way", () => {
  assert.equal(lost.map((e) => e.message), []);
  assert.equal(g.logs.filter((l) => /crashed|internal error|failed/.test(l)), []);
});

test.run();
