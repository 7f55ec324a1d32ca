import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { AuditLog } from "../../engine/audit/index.js";
import type { AuditRecord, DecisionEvent } from "../../engine/audit/types.js";
import { auditEventOf } from "../../proxy/gateway/audit-events.js";
import { packageRoot } from "../../engine/paths.js";
import { startGatewayUnderTest, type GatewayUnderTest } from "../support/pg-gateway.js";
import { run, type RunResult } from "../support/run.js";

/**
 * One message's SQL is bounded in bytes and statements: over either, the server-style answer is
 * 54000 program_limit_exceeded, the refusal is audited, the session goes on, and other sessions are
 * never stalled by the gateway working through a huge message.
 */

let g: GatewayUnderTest;
let small: GatewayUnderTest;
let dir: string;
let audit: AuditLog;

test.before(async () => {
  dir = await mkdtemp(join(tmpdir(), "portcullis-limits-"));
  audit = await AuditLog.open(join(dir, "audit.log"));
  const record = async (event: Parameters<typeof auditEventOf>[0]): Promise<void> => {
    const auditEvent = auditEventOf(event, (name) => ({ name, type: "postgres", tags: {} }));
    if (auditEvent) await audit.append(auditEvent);
  };
  g = await startGatewayUnderTest({ record });
  small = await startGatewayUnderTest({ queryLimits: { maxBytes: 4096, maxStatements: 10 } });
});
test.after(async () => {
  await g?.stop();
  await small?.stop();
  await audit?.close();
  await rm(dir, { recursive: true, force: true });
});

async function connect(on: GatewayUnderTest): Promise<pg.Client> {
  const client = new pg.Client({ host: "127.0.0.1", port: on.gateway.port, user: "alice", database: "demo", password: await on.token() });
  client.on("error", () => undefined);
  await client.connect();
  return client;
}

function statements(count: number): string {
  return Array.from({ length: count }, (_, i) => `SELECT id, name FROM users WHERE id = ${i}`).join(";\n");
}

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  return promise.then(
    () => "ok",
    (error: { code?: string }) => error.code,
  );
}

async function decisions(): Promise<AuditRecord[]> {
  const text = await readFile(join(dir, "audit.log"), "utf8");
  return text
    .split("\n")
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as AuditRecord)
    .filter((r) => r.event.type === "decision");
}

test("80,000 statements in one message: refused with 54000 at once, audited, and the session goes on", async () => {
  const client = await connect(g);
  const sql = statements(80_000);
  const started = performance.now();
  const error = await client.query(sql).then(
    () => undefined,
    (e: { code?: string; message: string }) => e,
  );
  const elapsed = performance.now() - started;
  assert.is(error?.code, "54000", error?.message);
  assert.match(error!.message, /bytes/);
  assert.ok(elapsed < 3_000, `refusing took ${elapsed.toFixed(0)} ms`);
  assert.equal((await client.query("SELECT 1 AS one")).rows, [{ one: 1 }]);
  const refused = (await decisions()).map((r) => r.event as DecisionEvent).find((e) => e.effect === "deny" && e.decision.reasons.some((r) => /bytes/.test(r)));
  assert.ok(refused, "the refusal is in the audit log");
  await client.end();
});

test("too many statements within the byte limit: 54000 naming the statement limit", async () => {
  const client = await connect(g);
  const sql = statements(1_001);
  assert.ok(Buffer.byteLength(sql) < 1024 * 1024);
  const error = await client.query(sql).then(
    () => undefined,
    (e: { code?: string; message: string }) => e,
  );
  assert.is(error?.code, "54000");
  assert.match(error!.message, /1000 statements/);
  // Exactly at the limit the message is decided as usual.
  const results = (await client.query(statements(1_000))) as unknown as pg.QueryResult[];
  assert.is(results.length, 1_000);
  await client.end();
});

test("configured limits: bytes and statements, for Query and Parse, empty statements not counted", async () => {
  const client = await connect(small);
  assert.is(await codeOf(client.query(statements(11))), "54000");
  assert.is(await codeOf(client.query(statements(10))), "ok");
  assert.is(await codeOf(client.query(`${statements(10)};;;; ;-- ;\n/* ; */`)), "ok");
  // Semicolons inside strings, identifiers, dollar quotes and comments end no statement.
  const quoted = `SELECT ';;;;;;;;;;;;' AS a, $x$;;;;;;;;;;;;$x$ AS "b;;;;;;;;;;;;" /* ;;;;;;;;;;;; */`;
  assert.is(await codeOf(client.query(quoted)), "ok");
  const big = `SELECT '${"x".repeat(5_000)}' AS filler`;
  assert.is(await codeOf(client.query(big)), "54000");
  // The extended protocol: a Parse over the byte limit, then the session is still usable.
  assert.is(await codeOf(client.query({ text: `SELECT $1::text AS v, '${"y".repeat(5_000)}' AS filler`, values: ["a"] })), "54000");
  assert.equal((await client.query({ text: "SELECT $1::int AS v", values: [7] })).rows, [{ v: 7 }]);
  await client.end();
});

test("another session is answered promptly while a huge message is handled", async () => {
  const attacker = await connect(g);
  const other = await connect(g);
  await other.query("SELECT 1");
  let done = false;
  // The message that stalled every session for a minute, sent three times over.
  const huge = statements(80_000);
  const atLimit = (async () => {
    for (let i = 0; i < 3; i++) await attacker.query(huge).catch(() => undefined);
  })().finally(() => (done = true));
  let worst = 0;
  let rounds = 0;
  while (!done || rounds < 5) {
    const started = performance.now();
    await other.query("SELECT 1 AS one");
    worst = Math.max(worst, performance.now() - started);
    rounds++;
  }
  await atLimit;
  console.log(`worst one-row query while another session sent huge messages: ${worst.toFixed(0)} ms over ${rounds} rounds`);
  // Before, one such message stalled every session for over a minute. The bound leaves room for a
  // loaded 2-CPU machine shared with other work.
  assert.ok(worst < 2_000, `a one-row query took up to ${worst.toFixed(0)} ms while another session sent a huge message`);
  await attacker.end();
  await other.end();
});

/** A separate process sends `sql` as one Query (node-postgres), so its own work is not on the gateway's event loop. */
function sendElsewhere(sql: string, password: string): Promise<RunResult> {
  const script = `
    const pg = require("pg");
    let sql = "";
    process.stdin.on("data", (d) => (sql += d)).on("end", async () => {
      const c = new pg.Client({ host: "127.0.0.1", port: ${g.gateway.port}, user: "alice", database: "demo", password: process.env.PGPASSWORD });
      await c.connect();
      const r = await c.query(sql).then((r) => (Array.isArray(r) ? r.length : 1), (e) => e.code);
      await c.end();
      console.log(r);
    });`;
  return run(process.execPath, ["-e", script], { ...process.env, PGPASSWORD: password, NODE_PATH: join(packageRoot, "node_modules") }, sql);
}

test("large messages within the limits are analysed off the event loop: others wait no more than a few tens of milliseconds", async () => {
  const list = Array.from({ length: 200 }, (_, i) => i).join(",");
  const shapes: Array<[string, string]> = [
    // 900 statements, just under a megabyte; one statement with a 140,000-element IN list; 40,000 ORs.
    [Array.from({ length: 900 }, () => `SELECT id, note FROM orders WHERE id IN (${list})`).join(";"), "900"],
    [`SELECT id, note FROM orders WHERE id IN (${Array.from({ length: 140_000 }, (_, i) => i).join(",")})`, "1"],
    [`SELECT id FROM orders WHERE ${Array.from({ length: 40_000 }, (_, i) => `id = ${i}`).join(" OR ")}`, "1"],
  ];
  const other = await connect(g);
  await other.query("SELECT 1");
  const samples: number[] = [];
  for (const [sql, answers] of shapes) {
    assert.ok(Buffer.byteLength(sql) < 1024 * 1024);
    let done = false;
    const sent = sendElsewhere(sql, await g.token()).finally(() => (done = true));
    while (!done) {
      const started = performance.now();
      await other.query("SELECT 1 AS one");
      samples.push(performance.now() - started);
    }
    const result = await sent;
    assert.is(result.stdout.trim(), answers, `the large message itself is answered: ${result.stderr}`);
  }
  samples.sort((a, b) => a - b);
  const worst = samples.at(-1)!;
  const p99 = samples[Math.floor(samples.length * 0.99)]!;
  console.log(`one-row queries while another client sent 1 MB messages: p99 ${p99.toFixed(0)} ms, worst ${worst.toFixed(0)} ms over ${samples.length}`);
  // Measured on an idle 2-CPU machine: p99 about 25 ms, worst under 150 ms (2,200 ms with the analysis
  // on the event loop). The bounds leave room for a machine shared with other work (load 4 here).
  assert.ok(p99 < 200, `p99 ${p99.toFixed(0)} ms`);
  assert.ok(worst < 1000, `worst ${worst.toFixed(0)} ms`);
  await other.end();
});

test.run();
