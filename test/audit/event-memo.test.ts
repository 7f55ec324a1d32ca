import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { AuditLog, type AuditRecord } from "../../engine/audit/index.js";
import { fileSource } from "../../engine/audit/file-store.js";
import { verifyChain } from "../../engine/audit/verify.js";
import { decisionFor } from "./fixtures/events.js";

// The same statement executed again leaves the same event: the log serializes it from memory the
// second time on. What is written must be exactly what the first, fully prepared append wrote, the
// chain must verify, and an event that needed redaction must be redacted every time.

const dir = mkdtempSync(join(tmpdir(), "portcullis-audit-memo-"));
const linesOf = (file: string): AuditRecord[] => readFileSync(file, "utf8").split("\n").slice(0, -1).map((l) => JSON.parse(l) as AuditRecord);

test("a repeated event is written as the first was, and the chain verifies", async () => {
  const file = join(dir, "repeat.log");
  const log = await AuditLog.open(file, { secrets: ["s3cret-pw"] });
  const repeated = await decisionFor("SELECT abalance FROM pgbench_accounts WHERE aid = $1");
  for (let i = 0; i < 5; i++) await log.append(structuredClone(repeated));
  const secretive = await decisionFor("SELECT 's3cret-pw' FROM t WHERE a = $1");
  for (let i = 0; i < 3; i++) await log.append(structuredClone(secretive));
  await log.close();
  const records = linesOf(file);
  assert.is(records.length, 8);
  const events = records.map((r) => JSON.stringify(r.event));
  for (const e of events.slice(1, 5)) assert.is(e, events[0]);
  for (const r of records.slice(5)) {
    assert.not.ok(JSON.stringify(r.event).includes("s3cret-pw"), "the secret was redacted");
    assert.ok((r.event.redacted ?? []).length > 0, "the record says what was redacted");
  }
  const verified = await verifyChain(fileSource(file));
  assert.ok(verified.ok, JSON.stringify(verified.problem));
  assert.is(verified.count, 8);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();
