import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { AuditLog } from "../../engine/audit/index.js";
import { cutUtf8 } from "../../engine/audit/bound.js";
import type { AuditRecord, DecisionEvent } from "../../engine/audit/types.js";
import { auditEventOf } from "../../proxy/gateway/audit-events.js";
import { startGatewayUnderTest, type GatewayUnderTest } from "../support/pg-gateway.js";

/**
 * A request's size must not multiply into the audit log: whatever a client sends, each record stays
 * small, keeps the text up to a limit, and names the whole text by its length and SHA-256.
 */

const MAX_RECORD = 64 * 1024;
let g: GatewayUnderTest;
let dir: string;
let audit: AuditLog;

test.before(async () => {
  dir = await mkdtemp(join(tmpdir(), "portcullis-bounded-"));
  audit = await AuditLog.open(join(dir, "audit.log"), { secrets: ["canary-target-secret"] });
  g = await startGatewayUnderTest({
    record: async (event) => {
      const auditEvent = auditEventOf(event, (name) => ({ name, type: "postgres", tags: {} }));
      if (auditEvent) await audit.append(auditEvent);
    },
  });
});
test.after(async () => {
  await g?.stop();
  await audit?.close();
  await rm(dir, { recursive: true, force: true });
});

async function lines(): Promise<string[]> {
  return (await readFile(join(dir, "audit.log"), "utf8")).split("\n").filter((l) => l.length > 0);
}

/** Sends `sql` (expected to be refused), then returns the decision record written for it. */
async function refusedRecord(sql: string): Promise<{ line: string; event: DecisionEvent }> {
  const client = new pg.Client({ host: "127.0.0.1", port: g.gateway.port, user: "alice", database: "demo", password: await g.token() });
  // A session the gateway ends shows up as a failed query below; the event itself needs no handling.
  client.on("error", () => undefined);
  await client.connect();
  const before = (await lines()).length;
  try {
    const code = await client.query(sql).then(
      () => "ok",
      (error: { code?: string; message: string }) => `${error.code}: ${error.message.slice(0, 200)}`,
    );
    assert.ok(/^42(501|601):/.test(code), `refused, got ${code}`);
    // The session is still usable.
    assert.equal((await client.query("SELECT 1 AS one")).rows, [{ one: 1 }]);
  } finally {
    await client.end().catch(() => undefined);
  }
  const added = (await lines()).slice(before);
  const line = added.find((l) => (JSON.parse(l) as AuditRecord).event.type === "decision" && (JSON.parse(l) as { event: DecisionEvent }).event.effect === "deny");
  assert.ok(line, "a denial was recorded");
  return { line, event: (JSON.parse(line) as { event: DecisionEvent }).event };
}

function assertBounded(sql: string, record: { line: string; event: DecisionEvent }): void {
  const bytes = Buffer.byteLength(record.line, "utf8");
  assert.ok(bytes < MAX_RECORD, `a ${Buffer.byteLength(sql)}-byte request left a ${bytes}-byte audit record`);
  const request = record.event.request;
  assert.is(request.text_bytes, Buffer.byteLength(sql, "utf8"));
  assert.is(request.text_sha256, createHash("sha256").update(sql, "utf8").digest("hex"));
  assert.ok(sql.startsWith(request.text), "the recorded text is the start of the request");
  assert.ok(Buffer.byteLength(request.text) <= 8 * 1024);
  assert.ok((record.event.truncated ?? []).includes("/request/text"), "the record says it was cut");
}

test("a denied 240 KB multi-statement request leaves a small record with the text's hash", async () => {
  const one = `SELECT pg_terminate_backend(1), '${"x".repeat(240)}' AS filler`;
  const sql = Array.from({ length: 900 }, () => one).join(";\n");
  assert.ok(Buffer.byteLength(sql) > 240_000);
  assertBounded(sql, await refusedRecord(sql));
});

test("a reason quoting a 240 KB value is cut too", async () => {
  // The encoding rule quotes the value it refuses; a parse error quotes the token it stopped at.
  const value = `S/JIS${"x".repeat(240_000)}`;
  for (const sql of [`SET client_encoding = '${value}'`, `SELECT 1 '${"y".repeat(240_000)}'`]) {
    const record = await refusedRecord(sql);
    assertBounded(sql, record);
    for (const reason of record.event.decision.reasons) assert.ok(Buffer.byteLength(reason) <= 1024, `a ${reason.length}-character reason`);
  }
});

test("cutting never splits a character and keeps short text as it is", () => {
  assert.is(cutUtf8("abc", 8), "abc");
  assert.is(cutUtf8("ééé", 5), "éé");
  assert.is(cutUtf8("ééé", 4), "éé");
  assert.is(cutUtf8("a😀b", 4), "a");
  assert.is(cutUtf8("a😀b", 5), "a😀");
  assert.is(cutUtf8("😀😀", 1), "");
});

test.run();
