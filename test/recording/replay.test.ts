import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { AuditLog, decisionEvent, sessionStartEvent } from "../../engine/audit/index.js";
import { Engine } from "../../engine/index.js";
import { defaultPolicyDir } from "../../engine/paths.js";
import { SessionRecorder } from "../../engine/recording/index.js";
import { portcullis } from "../support/cli.js";
import { sqlRequest } from "../support/requests.js";

const dir = mkdtempSync(join(tmpdir(), "portcullis-replay-"));
const recordings = join(dir, "recordings");
const STATEMENTS = ["SELECT email FROM users", "DELETE FROM orders", "SELECT count(*) FROM orders", "TRUNCATE orders", "SELECT id, name FROM users WHERE id = 7"];
let file = "";

/** Decides each statement with the real engine on the default policy, audits it, and records the session as the gateway does. */
test.before(async () => {
  const engine = await Engine.start({ dir: defaultPolicyDir });
  const log = await AuditLog.open(join(dir, "audit.log"));
  const first = sqlRequest("", { identity: { subject: "dev@example.com", issuer: "https://id.example.com", groups: ["developers"], kind: "human", claims: {} }, session: { id: "replay-1", protocol: "postgres", client_addr: "127.0.0.1", started_at: new Date().toISOString() } });
  const recorder = await SessionRecorder.start(recordings, { session: first.session, identity: first.identity, target: first.target, policy_revision: engine.policy.current.revision });
  await log.append(sessionStartEvent(first.session, first.identity, first.target));
  for (const sql of STATEMENTS) {
    const request = { ...first, request: { kind: "sql" as const, text: sql } };
    const verdict = engine.decide(request);
    const record = await log.append(decisionEvent(request, verdict));
    recorder.record(
      { request: request.request, decision: record.event.type === "decision" ? record.event.decision : verdict.decision, audit_seq: record.seq, decide_us: verdict.timings.normalize_us + verdict.timings.evaluate_us },
      verdict.effect === "deny" ? { error: { code: "42501", message: verdict.decision.reasons.join("; ") } } : { kind: "sql", command_tag: "SELECT 1", rows: 1, masked_columns: (verdict.decision.mask ?? []).map((m) => ("column" in m ? m.column : m.json_path)) },
    );
  }
  await recorder.end("client closed");
  await log.close();
  await engine.close();
  file = join(recordings, "replay-1.jsonl");
});

test("the recorded decisions are the ones the default policy gives", () => {
  const effects = readFileSync(file, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as { type: string; decision?: { allow: boolean; mask?: unknown[]; approval?: { required: boolean } } });
  const decided = effects.filter((l) => l.type === "request").map((l) => (!l.decision!.allow ? "deny" : l.decision!.approval?.required ? "approval" : (l.decision!.mask?.length ?? 0) > 0 ? "mask" : "allow"));
  assert.equal(decided, ["mask", "deny", "allow", "approval", "allow"]);
});

test("portcullis conformance run replays the recording and it passes against the default policy", async () => {
  const r = await portcullis(["conformance", "run", file]);
  assert.is(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /conformance: 5\/5 cases passed \(all passed\)/);
});

test("after a policy change the replay reports the changed decision", async () => {
  const policy = join(dir, "policy");
  cpSync(defaultPolicyDir, policy, { recursive: true });
  const data = JSON.parse(readFileSync(join(policy, "data.json"), "utf8")) as { settings: { masking: { readers: string[] } } };
  data.settings.masking.readers.push("developers"); // developers may now read PII unmasked
  writeFileSync(join(policy, "data.json"), JSON.stringify(data, null, 2));
  const r = await portcullis(["conformance", "run", file, "--policy", policy, "--format", "json"]);
  assert.is(r.code, 1, r.stdout + r.stderr);
  const report = JSON.parse(r.stdout) as { passed: number; failed: number; results: Array<{ name: string; passed: boolean; differences: string[] }> };
  assert.equal([report.passed, report.failed], [4, 1]);
  const changed = report.results.filter((x) => !x.passed);
  assert.is(changed[0]!.name, "request 1: SELECT email FROM users");
  assert.ok(changed[0]!.differences.includes("decision: expected mask, got allow"), changed[0]!.differences.join("\n"));
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
