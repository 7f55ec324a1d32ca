import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { FileRecordingStore, recordingFileName, RecordingError, SessionRecorder, type RecordingLine } from "../../engine/recording/index.js";
import { check } from "../../engine/schemas.js";
import { sqlRequest } from "../support/requests.js";

const dir = mkdtempSync(join(tmpdir(), "portcullis-recording-"));
const CANARY = "canary-Upstream-Pa55-91c2";
const JWT = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl";
const base = sqlRequest("SELECT 1");
const header = (id: string) => ({ session: { ...base.session, id }, identity: { ...base.identity, claims: { email: "alice@example.com", id_token: JWT } }, target: base.target, policy_revision: "git:abc" });
const linesOf = (file: string): RecordingLine[] => readFileSync(file, "utf8").split("\n").slice(0, -1).map((l) => JSON.parse(l) as RecordingLine);

test("a session is written as session, request and end lines that match schemas/recording.json", async () => {
  const recorder = await SessionRecorder.start(dir, header("s-100"));
  const masked = recorder.request({ request: { kind: "sql", text: "SELECT email FROM users" }, decision: { allow: true, reasons: ["masked"], mask: [{ column: "public.users.email", strategy: "redact" }] }, audit_seq: 12, decide_us: 85 });
  await new Promise((r) => setTimeout(r, 5));
  masked.finish({ kind: "sql", command_tag: "SELECT 3", rows: 3, masked_columns: ["public.users.email"] });
  recorder.record({ request: { kind: "sql", text: "DELETE FROM orders" }, decision: { allow: false, reasons: ["DELETE without WHERE on public.orders"] } }, { error: { code: "42501", message: "DELETE without WHERE on public.orders" } }, 140);
  await recorder.end("client closed");

  const file = join(dir, "s-100.jsonl");
  const lines = linesOf(file);
  for (const line of lines) assert.is(check("recording.json", line), null, JSON.stringify(line));
  assert.equal(lines.map((l) => l.type), ["session", "request", "request", "end"]);
  const [session, first, second, end] = lines;
  assert.ok(session?.type === "session" && session.session.id === "s-100" && session.policy_revision === "git:abc");
  assert.ok(first?.type === "request" && second?.type === "request" && end?.type === "end");
  assert.equal([first.seq, first.audit_seq, first.decide_us, first.result], [1, 12, 85, { kind: "sql", command_tag: "SELECT 3", rows: 3, masked_columns: ["public.users.email"] }]);
  assert.ok(first.duration_us! >= 4000, `duration measured from the decision: ${first.duration_us}`);
  assert.ok(typeof first.offset_ms === "number");
  assert.equal([second.seq, second.duration_us, second.result && "error" in second.result ? second.result.error.code : undefined], [2, 140, "42501"]);
  assert.is(end.reason, "client closed");
});

test("no credential or token reaches a recording", async () => {
  const recorder = await SessionRecorder.start(dir, header("s-secret"), { secrets: [CANARY] });
  recorder.record({ request: { kind: "sql", text: `SELECT '${CANARY}'` }, decision: { allow: true, reasons: [] } }, { error: { message: `upstream said password ${CANARY} failed` } });
  recorder.record({ request: { kind: "sql", text: "ALTER ROLE app PASSWORD 'hunter2'" }, decision: { allow: true, reasons: [] } });
  await recorder.end();
  const bytes = readFileSync(join(dir, "s-secret.jsonl"), "utf8");
  for (const secret of [CANARY, JWT, "hunter2", "id_token"]) assert.not.ok(bytes.includes(secret), secret);
  assert.match(bytes, /ALTER ROLE app PASSWORD '\[redacted\]'/);
  assert.match(bytes, /"claims":\{"email":"alice@example.com"\}/);
});

test("requests still open when the session ends are written with an error, then the end line", async () => {
  const recorder = await SessionRecorder.start(dir, header("s-open"));
  recorder.request({ request: { kind: "sql", text: "SELECT pg_sleep(10)" }, decision: { allow: true, reasons: [] } });
  await recorder.end("connection lost");
  const lines = linesOf(join(dir, "s-open.jsonl"));
  assert.equal(lines.map((l) => l.type), ["session", "request", "end"]);
  assert.ok(lines[1]?.type === "request");
  assert.is(lines[1].result && "error" in lines[1].result ? lines[1].result.error.message : undefined, "the session ended before the response completed");
  assert.throws(() => recorder.request({ request: { kind: "sql", text: "SELECT 1" }, decision: { allow: true, reasons: [] } }), /has ended/);
});

test("an invalid line is refused; an existing recording is never overwritten", async () => {
  const recorder = await SessionRecorder.start(dir, header("s-bad"));
  assert.throws(() => recorder.record({ request: { kind: "sql", text: "SELECT 1" }, decision: { allow: true, reasons: [] } }, { kind: "sql", command_tag: "SELECT", masked_columns: [], rows: -1 }), (e: unknown) => e instanceof RecordingError && e.code === "RECORDING_INVALID_LINE");
  await recorder.end();
  try {
    await SessionRecorder.start(dir, header("s-bad"));
    assert.unreachable("a second recording of one session was started");
  } catch (error) {
    assert.is((error as RecordingError).code, "RECORDING_EXISTS");
  }
});

test("session ids that are not safe file names cannot escape the directory or collide", () => {
  assert.is(recordingFileName("0b6f1c1e-9d3a-4f57-8a55-3f2a1c9e7d10"), "0b6f1c1e-9d3a-4f57-8a55-3f2a1c9e7d10.jsonl");
  const a = recordingFileName("../../etc/passwd");
  const b = recordingFileName("..-..-etc-passwd");
  assert.match(a, /^etc_passwd-[0-9a-f]{16}\.jsonl$/);
  assert.not.ok(a.includes("/"));
  assert.is.not(a, b);
  assert.match(recordingFileName("/"), /^[0-9a-f]{16}\.jsonl$/);
});

test("recordings are listed with a summary and read back by session id", async () => {
  const store = new FileRecordingStore(dir);
  const recorder = await SessionRecorder.start(store, header("../odd id"));
  recorder.record({ request: { kind: "sql", text: "SELECT 1" }, decision: { allow: true, reasons: [] } });
  await recorder.end("done");
  const list = await store.list();
  assert.equal(list.map((s) => s.session_id).sort(), ["../odd id", "s-100", "s-bad", "s-open", "s-secret"]);
  const s100 = list.find((s) => s.session_id === "s-100")!;
  assert.equal({ ...s100, file: undefined }, { session_id: "s-100", file: undefined, started_at: "2026-11-23T10:00:00Z", subject: "alice@example.com", target: "prod-db", protocol: "postgres", requests: 2, refused: 1, ended_at: s100.ended_at, end_reason: "client closed" });
  const odd = await store.read("../odd id");
  assert.is(odd.session.session.id, "../odd id");
  assert.is(odd.requests.length, 1);
  assert.is(odd.end?.reason, "done");
  assert.is(odd.torn, false);
  assert.ok(readdirSync(dir).every((name) => name.endsWith(".jsonl")));
  try {
    await store.read("never");
    assert.unreachable();
  } catch (error) {
    assert.is((error as RecordingError).code, "RECORDING_NOT_FOUND");
  }
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test("lines of an open session reach the file within moments, in order, however fast they come", async () => {
  const recorder = await SessionRecorder.start(dir, header("s-buffered"));
  const file = join(dir, "s-buffered.jsonl");
  // A burst (more than one write's worth of bytes, so some go out before the flush timer), then a pause.
  const filler = "x".repeat(300);
  for (let i = 0; i < 400; i++) recorder.record({ request: { kind: "sql", text: `SELECT ${i} -- ${filler}` }, decision: { allow: true, reasons: [] } }, { kind: "sql", command_tag: "SELECT 1", rows: 1, masked_columns: [] }, 10);
  await new Promise((r) => setTimeout(r, 1));
  recorder.record({ request: { kind: "sql", text: "SELECT 'last'" }, decision: { allow: true, reasons: [] } });
  const deadline = Date.now() + 2000;
  let lines = linesOf(file);
  while (lines.length < 402 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 10));
    lines = linesOf(file);
  }
  assert.is(lines.length, 402, "every line written while the session is still open");
  assert.equal(lines.slice(1).map((l) => (l.type === "request" ? l.seq : -1)), Array.from({ length: 401 }, (_, i) => i + 1));
  await recorder.end("done");
  assert.is(linesOf(file).at(-1)?.type, "end");
});

test.run();
