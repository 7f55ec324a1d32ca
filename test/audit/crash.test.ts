import { spawn } from "node:child_process";
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { AuditLog, type AuditRecord } from "../../engine/audit/index.js";
import { portcullis } from "../support/cli.js";

const dir = mkdtempSync(join(tmpdir(), "portcullis-audit-crash-"));
const child = join(dirname(fileURLToPath(import.meta.url)), "fixtures/append-loop.js");

/** Starts the appending child, waits until it has acknowledged `atLeast` records, then kills it with SIGKILL. */
function appendThenKill(tag: string, atLeast: number, file: string, durability: "fsync" | "write"): Promise<Array<{ seq: number; session: string }>> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [child, file, tag, durability], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    let killed = false;
    proc.stdout.setEncoding("utf8").on("data", (d: string) => {
      out += d;
      if (!killed && out.split("\n").length > atLeast) {
        killed = true;
        // Somewhere in the middle of the next batches: a few milliseconds of jitter.
        setTimeout(() => proc.kill("SIGKILL"), Math.floor(Math.random() * 20));
      }
    });
    proc.stderr.setEncoding("utf8").on("data", (d: string) => (err += d));
    proc.on("error", reject);
    proc.on("close", (code, signal) => {
      if (signal !== "SIGKILL") return reject(new Error(`the appender ended on its own (${code}): ${err}`));
      // Only whole lines were acknowledged: a line cut by the kill was never finished printing.
      const acked = out.split("\n").slice(0, -1).map((line) => {
        const [seq, session] = line.split(" ");
        return { seq: Number(seq), session: session! };
      });
      resolve(acked);
    });
  });
}

for (const durability of ["fsync", "write"] as const) {
test(`kill -9 while appending loses no acknowledged record, and the chain stays verifiable (durability ${durability})`, async () => {
  const file = join(dir, `kill-${durability}.log`);
  const acked: Array<{ seq: number; session: string }> = [];
  for (let round = 1; round <= 4; round++) {
    const got = await appendThenKill(`r${round}`, 200 * round, file, durability);
    assert.ok(got.length >= 200 * round, `round ${round} acknowledged ${got.length}`);
    acked.push(...got);
  }
  // The next writer opens the log as the gateway would after a crash: a torn tail is cut off and noted.
  const log = await AuditLog.open(file);
  const repaired = log.repaired;
  await log.close();

  const bySeq = new Map<number, AuditRecord>();
  for (const line of readFileSync(file, "utf8").split("\n").slice(0, -1)) {
    const record = JSON.parse(line) as AuditRecord;
    bySeq.set(record.seq, record);
  }
  const missing = acked.filter((a) => {
    const event = bySeq.get(a.seq)?.event;
    return !(event?.type === "decision" && event.session_id === a.session);
  });
  assert.equal(missing, [], "every acknowledged seq is in the log with its own event");

  const r = await portcullis(["audit", "verify", "--log", file]);
  assert.is(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, new RegExp(`audit log OK: ${bySeq.size} records`));
  console.log(`  ${durability}: ${acked.length} acknowledged appends over 4 kills, ${bySeq.size} records in the log${repaired ? `, torn tail of ${repaired.truncated_bytes} bytes cut` : ""}`);
});
}

test("a torn last line is cut off on open, reported, recorded, and never chained onto", async () => {
  const torn = join(dir, "torn.log");
  const log = await AuditLog.open(torn);
  for (let i = 0; i < 3; i++) await log.append({ type: "session_end", session_id: `s-${i}` });
  await log.close();
  const whole = readFileSync(torn, "utf8");
  const lines = whole.split("\n");
  // As if the machine died while the fourth record was being written.
  const partial = `${JSON.stringify({ seq: 4, time: new Date().toISOString(), prev_hash: "0".repeat(64) }).slice(0, 50)}`;
  appendFileSync(torn, partial);

  const broken = await portcullis(["audit", "verify", "--log", torn]);
  assert.is(broken.code, 1);
  assert.match(broken.stdout, /BROKEN at seq 4 \(torn\)/);

  const reopened = await AuditLog.open(torn);
  assert.equal(reopened.repaired?.after_seq, 3);
  assert.is(reopened.repaired?.truncated_bytes, Buffer.byteLength(partial));
  const next = await reopened.append({ type: "session_end", session_id: "after" });
  await reopened.close();
  assert.is(next.seq, 5, "seq 4 is the log_repaired record");
  const after = readFileSync(torn, "utf8");
  assert.ok(after.startsWith(lines.slice(0, 3).join("\n")), "the whole records before the tear are untouched");
  assert.not.ok(after.includes(partial), "the torn bytes are gone");
  const repairRecord = JSON.parse(after.split("\n")[3]!) as AuditRecord;
  assert.equal(repairRecord.event, { type: "log_repaired", after_seq: 3, truncated_bytes: Buffer.byteLength(partial), truncated_sha256: repairRecord.event.type === "log_repaired" ? repairRecord.event.truncated_sha256 : "" });
  const ok = await portcullis(["audit", "verify", "--log", torn]);
  assert.is(ok.code, 0, ok.stdout);
  assert.match(ok.stdout, /audit log OK: 5 records/);
});

test("portcullis audit repair cuts a torn tail; an intact log needs none", async () => {
  const torn = join(dir, "repair.log");
  const log = await AuditLog.open(torn);
  await log.append({ type: "session_end", session_id: "s" });
  await log.close();
  const partial = '{"seq":2,"time":"2026';
  appendFileSync(torn, partial);
  const r = await portcullis(["audit", "repair", "--log", torn]);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, `audit log repaired: cut ${partial.length} torn bytes after seq 1; head is now seq 2`);
  const again = await portcullis(["audit", "repair", "--log", torn]);
  assert.match(again.stdout, /audit log needs no repair: head seq 2/);
  assert.is((await portcullis(["audit", "verify", "--log", torn])).code, 0);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
