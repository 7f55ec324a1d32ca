import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { AuditError, AuditLog, auditRecordProblem, type AuditRecord } from "../../engine/audit/index.js";
import { decisionFor } from "./fixtures/events.js";

const dir = mkdtempSync(join(tmpdir(), "portcullis-audit-append-"));
const linesOf = (file: string): AuditRecord[] => readFileSync(file, "utf8").split("\n").slice(0, -1).map((l) => JSON.parse(l) as AuditRecord);

test("every line written is a record that matches schemas/audit-record.json", async () => {
  const file = join(dir, "schema.log");
  const log = await AuditLog.open(file);
  await log.append({ type: "session_start", session_id: "s-1", protocol: "postgres", client_addr: "127.0.0.1", identity: { subject: "alice", issuer: "https://id.example.com", groups: [], kind: "human" }, target: { name: "prod-db", type: "postgres", tags: { env: "prod" } } });
  for (const effect of ["allow", "deny", "mask", "approval"] as const) await log.append(await decisionFor("SELECT email FROM users", { effect }));
  await log.append({ type: "auth_failure", protocol: "postgres", code: "expired", detail: "token expired 3 minutes ago", client_addr: "127.0.0.1", target: "prod-db" });
  await log.append({ type: "session_end", session_id: "s-1", reason: "client closed", requests: 4, duration_ms: 1200 });
  await log.close();
  const records = linesOf(file);
  assert.is(records.length, 7);
  for (const record of records) assert.is(auditRecordProblem(record), null, JSON.stringify(record));
  assert.equal(records.map((r) => r.seq), [1, 2, 3, 4, 5, 6, 7]);
  assert.equal(Object.keys(records[1]!), ["seq", "time", "prev_hash", "hash", "event"]);
});

test("reopening a log continues its chain", async () => {
  const file = join(dir, "reopen.log");
  const first = await AuditLog.open(file);
  const a = await first.append({ type: "session_end", session_id: "a" });
  await first.close();
  const second = await AuditLog.open(file);
  assert.equal(await second.head(), { seq: a.seq, hash: a.hash });
  const b = await second.append({ type: "session_end", session_id: "b" });
  await second.close();
  assert.is(b.seq, 2);
  assert.is(b.prev_hash, a.hash);
});

test("an event that does not match the schema is refused and nothing is written", async () => {
  const file = join(dir, "invalid.log");
  const log = await AuditLog.open(file);
  const bad = { type: "decision", session_id: "s" } as unknown as Parameters<AuditLog["append"]>[0];
  try {
    await log.append(bad);
    assert.unreachable("an invalid event was accepted");
  } catch (error) {
    assert.instance(error, AuditError);
    assert.is((error as AuditError).code, "AUDIT_INVALID_EVENT");
    assert.match((error as Error).message, /audit event decision is invalid/);
  }
  const ok = await log.append({ type: "session_end", session_id: "s" });
  await log.close();
  assert.is(ok.seq, 1);
  assert.is(linesOf(file).length, 1);
});

test("a second writer is refused while the first holds the log", async () => {
  const file = join(dir, "locked.log");
  const log = await AuditLog.open(file);
  try {
    await AuditLog.open(file);
    assert.unreachable("two writers opened one log");
  } catch (error) {
    assert.is((error as AuditError).code, "AUDIT_LOG_LOCKED");
    assert.match((error as Error).message, new RegExp(`being written by process ${process.pid}`));
  }
  await log.close();
  const again = await AuditLog.open(file);
  await again.close();
});

test("a log whose last whole record is damaged is not written to", async () => {
  const file = join(dir, "damaged.log");
  const log = await AuditLog.open(file);
  await log.append({ type: "session_end", session_id: "s" });
  await log.close();
  const { writeFileSync } = await import("node:fs");
  writeFileSync(file, readFileSync(file, "utf8").replace('"session_id":"s"', '"session_id":"x"'));
  try {
    await AuditLog.open(file);
    assert.unreachable("opened a damaged log");
  } catch (error) {
    assert.is((error as AuditError).code, "AUDIT_LOG_CORRUPT");
    assert.match((error as Error).message, /does not match its hash; run `portcullis audit verify/);
  }
});

test("appends/s with 8 concurrent appenders (group commit: one fdatasync per batch)", async () => {
  const event = await decisionFor("SELECT id, status FROM orders WHERE customer_id = 7");
  const measure = async (name: string, appenders: number, each: number) => {
    const log = await AuditLog.open(join(dir, `${name}.log`));
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: appenders }, async (_, w) => {
        for (let i = 0; i < each; i++) await log.append({ ...event, session_id: `w${w}-${i}` });
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    const stats = log.stats;
    await log.close();
    return { rate: Math.round((appenders * each) / seconds), stats };
  };
  const one = await measure("single", 1, 300);
  const eight = await measure("eight", 8, 400);
  const many = await measure("many", 64, 50);
  console.log(
    `  audit append throughput: ${eight.rate} appends/s with 8 concurrent appenders (${eight.stats.appends} appends in ${eight.stats.batches} fdatasync batches, largest ${eight.stats.largestBatch}); ` +
      `${one.rate} appends/s with 1 appender (${one.stats.batches} batches); ${many.rate} appends/s with 64 (largest batch ${many.stats.largestBatch})`,
  );
  assert.is(eight.stats.appends, 3200);
  assert.ok(eight.stats.batches < eight.stats.appends / 2, "concurrent appends share syncs");
  assert.is(one.stats.batches, 300, "a lone appender waits for its own sync each time");
  assert.is(linesOf(join(dir, "eight.log")).length, 3200);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
