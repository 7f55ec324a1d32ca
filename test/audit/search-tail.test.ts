import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { AuditLog, type AuditRecord } from "../../engine/audit/index.js";
import { packageRoot } from "../../engine/paths.js";
import { decisionFor } from "./fixtures/events.js";
import { portcullisIn } from "./fixtures/run-cli.js";

const dir = mkdtempSync(join(tmpdir(), "portcullis-audit-search-"));
const file = join(dir, ".portcullis", "audit.log");
const times: string[] = [];

test.before(async () => {
  const log = await AuditLog.open(file);
  const add = async (event: Parameters<AuditLog["append"]>[0]) => {
    times.push((await log.append(event)).time);
    await new Promise((r) => setTimeout(r, 5)); // distinct times for the --since/--until cut
  };
  await add({ type: "session_start", session_id: "s-a", protocol: "postgres", identity: { subject: "alice@example.com", issuer: "i", groups: [], kind: "human" }, target: { name: "prod-db", type: "postgres", tags: {} } });
  await add(await decisionFor("SELECT count(*) FROM orders", { subject: "alice@example.com", effect: "allow", session: "s-a" }));
  await add(await decisionFor("DELETE FROM orders", { subject: "alice@example.com", effect: "deny", session: "s-a" }));
  await add(await decisionFor("SELECT email FROM users", { subject: "alice@example.com", effect: "mask", session: "s-a" }));
  await add(await decisionFor("DELETE FROM orders", { subject: "ci-bot", target: "staging-db", effect: "deny", session: "s-b" }));
  await add(await decisionFor("TRUNCATE orders", { subject: "bob@example.com", effect: "approval", session: "s-c" }));
  await add({ type: "auth_failure", protocol: "postgres", code: "expired", claimed_subject: "mallory", target: "prod-db", client_addr: "127.0.0.1" });
  await add({ type: "session_end", session_id: "s-a", reason: "client closed", requests: 3 });
  await log.close();
});

const seqs = (stdout: string): number[] => stdout.trim().split("\n").filter(Boolean).map((l) => (JSON.parse(l) as AuditRecord).seq);
/** The seqs `audit search --format json ARGS` prints (it must succeed). */
async function found(...args: string[]): Promise<number[]> {
  const r = await portcullisIn(dir, ["audit", "search", "--format", "json", ...args]);
  assert.is(r.code, 0, `${args.join(" ")}: ${r.stderr}`);
  return seqs(r.stdout);
}

test("search filters by subject, target, decision, type and time; the default log is .portcullis/audit.log here", async () => {
  assert.equal(await found("--subject", "alice@example.com"), [1, 2, 3, 4]);
  assert.equal(await found("--decision", "deny"), [3, 5]);
  assert.equal(await found("--decision", "deny", "--target", "prod-db"), [3]);
  assert.equal(await found("--target", "prod-db", "--type", "auth_failure"), [7]);
  assert.equal(await found("--subject", "mallory"), [7], "a failed login matches the subject it claimed");
  assert.equal(await found("--decision", "approval"), [6]);
  assert.equal(await found("--session", "s-a", "--type", "decision"), [2, 3, 4]);
  assert.equal(await found("--since", times[2]!, "--until", times[5]!), [3, 4, 5]);
});

test("search prints readable lines by default, and exits 1 when nothing matches", async () => {
  const r = await portcullisIn(dir, ["audit", "search", "--decision", "deny", "--subject", "ci-bot"]);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /^#5 \S+ deny +ci-bot -> staging-db  DELETE FROM orders  \(DELETE without WHERE on public\.orders\)\n$/);
  const none = await portcullisIn(dir, ["audit", "search", "--subject", "nobody"]);
  assert.is(none.code, 1);
  assert.is(none.stdout, "");
  assert.match(none.stderr, /no records matched/);
});

test("bad filter values are usage errors", async () => {
  const decision = await portcullisIn(dir, ["audit", "search", "--decision", "maybe"]);
  assert.is(decision.code, 2);
  assert.match(decision.stderr, /--decision must be one of allow, deny, mask, approval/);
  const since = await portcullisIn(dir, ["audit", "search", "--since", "yesterday"]);
  assert.is(since.code, 2);
  assert.match(since.stderr, /--since must be an ISO 8601 time/);
});

test("tail -n prints the last records oldest first; PORTCULLIS_AUDIT_LOG and --log name another log", async () => {
  const r = await portcullisIn(dir, ["audit", "tail", "-n", "3"]);
  assert.is(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split("\n");
  assert.is(lines.length, 3);
  assert.match(lines[0]!, /^#6 .* approval +bob@example\.com -> prod-db  TRUNCATE orders/);
  assert.match(lines[1]!, /^#7 .* auth +failed login: expired as mallory -> prod-db from 127\.0\.0\.1$/);
  assert.match(lines[2]!, /^#8 .* session +ended session s-a \(client closed\), 3 requests$/);
  const viaEnv = await portcullisIn(packageRoot, ["audit", "tail", "-n", "1", "--format", "json"], { PORTCULLIS_AUDIT_LOG: file });
  assert.equal(seqs(viaEnv.stdout), [8]);
  const viaFlag = await portcullisIn(packageRoot, ["audit", "tail", "--decision", "deny", "--format", "json", "--log", file]);
  assert.equal(seqs(viaFlag.stdout), [3, 5]);
});

test("export writes every record as JSON Lines, hash chain included", async () => {
  const r = await portcullisIn(dir, ["audit", "export"]);
  assert.is(r.code, 0, r.stderr);
  const records = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as AuditRecord);
  assert.is(records.length, 8);
  assert.is(records[3]!.prev_hash, records[2]!.hash);
  assert.equal(seqs((await portcullisIn(dir, ["audit", "export", "--subject", "bob@example.com"])).stdout), [6]);
});

test("tail --follow prints records as they are appended", async () => {
  const child = spawn(process.execPath, [join(packageRoot, "bin/portcullis"), "audit", "tail", "-n", "1", "--follow", "--format", "json"], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  const seen = (count: number) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`tail --follow printed only: ${out}`)), 10_000);
      const check = () => {
        if (out.split("\n").filter(Boolean).length >= count) {
          clearTimeout(timer);
          child.stdout.off("data", check);
          resolve();
        }
      };
      child.stdout.on("data", check);
      check();
    });
  child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
  await seen(1);
  const log = await AuditLog.open(file);
  await log.append(await decisionFor("SELECT 1", { subject: "carol", effect: "allow", session: "s-d" }));
  await log.append({ type: "session_end", session_id: "s-d" });
  await log.close();
  await seen(3);
  const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  child.kill("SIGINT");
  assert.is(await exited, 0);
  assert.equal(seqs(out), [8, 9, 10]);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
