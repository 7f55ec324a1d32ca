import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Verdict } from "../../engine/decide.js";
import type { Target } from "../../engine/policy/types.js";
import type { RecordingLine } from "../../engine/recording/index.js";
import type { SessionEvent } from "../../proxy/gate/types.js";
import { SessionRecordings } from "../../proxy/gateway/session-recordings.js";
import { sqlRequest } from "../support/requests.js";

// The gateway's session events become recordings whether they arrive while the recording's file is
// still being created or after: in order, each request with its result.

const base = sqlRequest("SELECT 1");
const target = (): Target => base.target;
const revision = (): string => "git:abc";

function verdict(allow: boolean, reason?: string): Verdict {
  return { effect: allow ? "allow" : "deny", decision: { allow, reasons: reason ? [reason] : [] }, timings: { normalize_us: 3, evaluate_us: 4 } } as unknown as Verdict;
}

function eventsOf(id: string, n: number): SessionEvent[] {
  const events: SessionEvent[] = [];
  for (let i = 1; i <= n; i++) {
    const allowed = i % 3 !== 0;
    events.push({ type: "decision", session_id: id, request_id: i, request: { kind: "sql", text: `SELECT ${i}` }, verdict: verdict(allowed, allowed ? undefined : `refused ${i}`) });
    if (allowed) events.push({ type: "result", session_id: id, request_id: i, result: { kind: "sql", command_tag: "SELECT 1", rows: 1, masked_columns: [] }, duration_us: i });
  }
  return events;
}

const lines = (file: string): RecordingLine[] => readFileSync(file, "utf8").trim().split("\n").map((l) => JSON.parse(l) as RecordingLine);

test("events before and after the recording has started are written in order, refused requests with their reasons", async () => {
  const dir = mkdtempSync(join(tmpdir(), "portcullis-recordings-"));
  try {
    const recordings = new SessionRecordings(dir, [], () => undefined);
    const start: SessionEvent = { type: "session_start", session_id: "s-early", client_addr: "127.0.0.1", identity: base.identity, target: "demo", protocol: "postgres" };
    recordings.handle(start, target, revision);
    const events = eventsOf("s-early", 30);
    // The first ten in the same turn as the start (the file is not open yet), the rest once it is.
    for (const event of events.slice(0, 10)) recordings.handle(event, target, revision);
    await new Promise((r) => setTimeout(r, 50));
    for (const event of events.slice(10)) recordings.handle(event, target, revision);
    recordings.handle({ type: "session_end", session_id: "s-early", reason: "client closed" }, target, revision);
    await recordings.close();
    const written = lines(join(dir, "s-early.jsonl"));
    assert.equal(written.map((l) => l.type), ["session", ...Array(30).fill("request"), "end"]);
    const requests = written.filter((l) => l.type === "request");
    // Numbered in the order decided, each with its own request; a line is written once its result is known.
    assert.equal(requests.map((r) => [r.seq, r.request.kind === "sql" && r.request.text]).sort((a, b) => Number(a[0]) - Number(b[0])), Array.from({ length: 30 }, (_, i) => [i + 1, `SELECT ${i + 1}`]));
    assert.equal(requests.filter((r) => r.decision.allow).map((r) => r.seq), Array.from({ length: 30 }, (_, i) => i + 1).filter((i) => i % 3 !== 0));
    // A refused request's line is written at the session's end, with the policy's reason as its result.
    const refused = requests.filter((r) => !r.decision.allow);
    assert.equal(refused.map((r) => r.result), Array.from({ length: 10 }, (_, i) => ({ error: { message: `refused ${3 * (i + 1)}` } })));
    assert.ok(requests.filter((r) => r.decision.allow).every((r) => JSON.stringify(r.result) === JSON.stringify({ kind: "sql", command_tag: "SELECT 1", rows: 1, masked_columns: [] })));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a recording that cannot start is logged and its session's events are dropped, never thrown", async () => {
  const dir = mkdtempSync(join(tmpdir(), "portcullis-recordings-"));
  try {
    const notADirectory = join(dir, "file");
    writeFileSync(notADirectory, "");
    const logged: string[] = [];
    const recordings = new SessionRecordings(notADirectory, [], (line) => logged.push(line));
    recordings.handle({ type: "session_start", session_id: "s-lost", client_addr: "127.0.0.1", identity: base.identity, target: "demo", protocol: "postgres" }, target, revision);
    for (const event of eventsOf("s-lost", 4)) recordings.handle(event, target, revision);
    await new Promise((r) => setTimeout(r, 50));
    for (const event of eventsOf("s-lost", 4)) recordings.handle(event, target, revision);
    recordings.handle({ type: "session_end", session_id: "s-lost", reason: "client closed" }, target, revision);
    await recordings.close();
    assert.equal(logged.length, 1, logged.join("\n"));
    assert.match(logged[0]!, /^recording of session s-lost could not start: /);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
