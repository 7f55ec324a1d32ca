import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { AuditLog, hashRecord, type AuditRecord } from "../../engine/audit/index.js";
import { portcullis } from "../support/cli.js";
import { decisionFor } from "./fixtures/events.js";

const dir = mkdtempSync(join(tmpdir(), "portcullis-audit-verify-"));
let pristine = "";
let records: AuditRecord[] = [];

/** A fresh copy of a 10-record log, optionally damaged by `tamper` (which gets its lines). */
function logWith(name: string, tamper?: (lines: string[]) => string[]): string {
  const file = join(dir, `${name}.log`);
  const lines = pristine.split("\n").slice(0, -1);
  writeFileSync(file, `${(tamper ? tamper(lines) : lines).join("\n")}\n`);
  return file;
}

const verify = (file: string, ...extra: string[]) => portcullis(["audit", "verify", "--log", file, ...extra]);

test.before(async () => {
  const log = await AuditLog.open(join(dir, "pristine.log"));
  for (let i = 1; i <= 10; i++) {
    const effect = i % 3 === 0 ? "deny" : "allow";
    records.push(await log.append(await decisionFor(i % 3 === 0 ? "DELETE FROM orders" : `SELECT * FROM orders WHERE id = ${i}`, { effect, session: `s-${i}` })));
  }
  await log.close();
  pristine = readFileSync(join(dir, "pristine.log"), "utf8");
});

test("an intact log verifies: OK with the record count and the head hash", async () => {
  const r = await verify(logWith("good"));
  assert.is(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, `audit log OK: 10 records, head seq 10 sha256:${records[9]!.hash}`);
});

test("each record's hash is SHA-256 over the canonical JSON of seq, time, prev_hash and event", () => {
  for (const line of pristine.split("\n").slice(0, -1)) {
    const record = JSON.parse(line) as AuditRecord;
    assert.is(hashRecord(record), record.hash);
  }
  assert.is(records[0]!.prev_hash, "0".repeat(64));
  assert.is(records[5]!.prev_hash, records[4]!.hash);
});

test("editing a field of a middle record is reported at that seq", async () => {
  const file = logWith("edited", (lines) => lines.map((l, i) => (i === 4 ? l.replace('"effect":"allow"', '"effect":"deny"') : l)));
  assert.ok(readFileSync(file, "utf8") !== pristine);
  const r = await verify(file);
  assert.is(r.code, 1);
  assert.match(r.stdout, /audit log BROKEN at seq 5 \(edited\): seq 5 was changed/);
  assert.match(r.stdout, /4 records before it verified; their head is seq 4/);
});

test("an edited record whose hash was recomputed is still caught by its successor's link", async () => {
  const file = logWith("rehashed", (lines) =>
    lines.map((l, i) => {
      if (i !== 4) return l;
      const record = JSON.parse(l) as AuditRecord;
      record.event = { ...record.event, session_id: "forged" } as AuditRecord["event"];
      record.hash = hashRecord(record);
      return JSON.stringify(record);
    }),
  );
  const r = await verify(file);
  assert.is(r.code, 1);
  assert.match(r.stdout, /BROKEN at seq 5 \(edited\): seq 6's prev_hash is not seq 5's hash/);
});

test("deleting a record is reported as that seq removed", async () => {
  const r = await verify(logWith("deleted", (lines) => lines.filter((_, i) => i !== 6)));
  assert.is(r.code, 1);
  assert.match(r.stdout, /BROKEN at seq 7 \(removed\): seq 7 is missing: seq 6 is followed with seq 8/);
});

test("deleting the first record is reported", async () => {
  const r = await verify(logWith("first-deleted", (lines) => lines.slice(1)));
  assert.is(r.code, 1);
  assert.match(r.stdout, /BROKEN at seq 1 \(removed\)/);
});

test("swapping two records is reported as reordered at the first of them", async () => {
  const r = await verify(logWith("swapped", (lines) => lines.map((l, i) => (i === 2 ? lines[3]! : i === 3 ? lines[2]! : l))));
  assert.is(r.code, 1);
  assert.match(r.stdout, /BROKEN at seq 3 \(reordered\): seq 3 is out of order: it is on line 4, after seq 4 \(line 3\)/);
});

test("a duplicated record is reported as inserted", async () => {
  const r = await verify(logWith("duplicated", (lines) => [...lines.slice(0, 5), lines[4]!, ...lines.slice(5)]));
  assert.is(r.code, 1);
  assert.match(r.stdout, /BROKEN at seq 6 \(inserted\): line 6 holds seq 5 again/);
});

test("a file cut in the middle of a line is reported as torn at that seq", async () => {
  const file = logWith("truncated");
  const lines = pristine.split("\n");
  const cut = Buffer.byteLength(lines.slice(0, 7).join("\n")) + 1 + 40; // 40 bytes into line 8
  truncateSync(file, cut);
  const r = await verify(file);
  assert.is(r.code, 1);
  assert.match(r.stdout, /BROKEN at seq 8 \(torn\): line 8 is cut short \(40 bytes, no newline\)/);
  assert.match(r.stdout, /7 records before it verified/);
});

test("a line that is not a record is reported as corrupt", async () => {
  const r = await verify(logWith("garbage", (lines) => lines.map((l, i) => (i === 1 ? "{not json" : l))));
  assert.is(r.code, 1);
  assert.match(r.stdout, /BROKEN at seq 2 \(corrupt\): line 2 is not an audit record: not JSON/);
});

test("a field added outside the hashed part is refused", async () => {
  const r = await verify(logWith("extra", (lines) => lines.map((l, i) => (i === 8 ? l.replace(/}$/, ',"note":"hidden"}') : l))));
  assert.is(r.code, 1);
  assert.match(r.stdout, /BROKEN at seq 9 \(corrupt\): .*unexpected field note/);
});

test("records cut off the end are caught with the anchor noted by an earlier verify", async () => {
  const file = logWith("tail-cut", (lines) => lines.slice(0, 8));
  const plain = await verify(file);
  assert.is(plain.code, 0, "a shorter chain is still a valid chain");
  const anchored = await verify(file, "--anchor", `10:sha256:${records[9]!.hash}`);
  assert.is(anchored.code, 1);
  assert.match(anchored.stdout, /BROKEN at seq 9 \(removed\): the log ends at seq 8 but seq 10 was anchored/);
  const good = await verify(logWith("anchored-good"), "--anchor", `10:${records[9]!.hash}`);
  assert.is(good.code, 0);
});

test("--format json reports the break as data", async () => {
  const r = await verify(logWith("json", (lines) => lines.filter((_, i) => i !== 2)), "--format", "json");
  assert.is(r.code, 1);
  const report = JSON.parse(r.stdout) as { ok: boolean; count: number; problem: { seq: number; kind: string } };
  assert.is(report.ok, false);
  assert.is(report.count, 2);
  assert.equal([report.problem.seq, report.problem.kind], [3, "removed"]);
});

test("a log that does not exist is an error, not an OK", async () => {
  const r = await verify(join(dir, "nowhere.log"));
  assert.is(r.code, 1);
  assert.match(r.stderr, /no audit log at .*nowhere\.log/);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
