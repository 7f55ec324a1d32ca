import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readRecordingFile, SessionRecorder } from "../../engine/recording/index.js";
import { check } from "../../engine/schemas.js";
import { sqlRequest } from "../support/requests.js";

const dir = mkdtempSync(join(tmpdir(), "portcullis-recording-formats-"));
const base = sqlRequest("SELECT 1");
const SECRET = "target-Pa55-7c1e";

test("a terminal session's bytes are recorded as input, output, error and resize lines, and read back in order", async () => {
  const recorder = await SessionRecorder.start(dir, { session: { ...base.session, id: "t-1" }, identity: base.identity, target: base.target }, { secrets: [SECRET] });
  const command = recorder.request({ request: { kind: "sql", text: "SELECT 1" }, decision: { allow: true, reasons: [] } });
  recorder.terminal("resize", { cols: 120, rows: 40 });
  recorder.terminal("input", Buffer.from("ls -l\r"), command.seq);
  recorder.terminal("output", Buffer.from("total 0\r\nh\u00e9llo\r\n"), command.seq);
  // Not UTF-8 (a lone 0xff), with the target's secret inside: stored as base64, the secret scrubbed first.
  const binary = Buffer.concat([Buffer.from([0xff, 0x00]), Buffer.from(`password=${SECRET}`), Buffer.from([0xfe])]);
  recorder.terminal("error", binary, command.seq);
  recorder.terminal("output", Buffer.from(`echo ${SECRET}\r\n`));
  command.finish({ kind: "sql", command_tag: "SELECT 1", rows: 1, masked_columns: [] });
  await recorder.end("client closed");

  const file = join(dir, "t-1.jsonl");
  const text = readFileSync(file, "utf8");
  for (const line of text.trim().split("\n")) assert.is(check("recording.json", JSON.parse(line)), null, line);
  assert.not.ok(text.includes(SECRET), "the secret reached the recording");
  const recording = await readRecordingFile(file);
  assert.is(recording.session.version, 2);
  assert.equal(recording.terminal.map((t) => t.event), ["resize", "input", "output", "error", "output"]);
  assert.equal([recording.terminal[0]?.cols, recording.terminal[0]?.rows], [120, 40]);
  assert.is(recording.terminal[1]?.data, "ls -l\r");
  assert.is(recording.terminal[1]?.request_seq, command.seq);
  assert.is(recording.terminal[2]?.data, "total 0\r\nh\u00e9llo\r\n");
  const error = recording.terminal[3]!;
  assert.is(error.encoding, "base64");
  const bytes = Buffer.from(error.data!, "base64");
  assert.equal([bytes[0], bytes[1], bytes.at(-1)], [0xff, 0x00, 0xfe], "bytes that are not UTF-8 survive");
  assert.is(bytes.subarray(2, -1).toString("latin1"), "password=[redacted]");
  assert.is(recording.terminal[4]?.data, "echo [redacted]\r\n");
});

test("a version 1 recording (SQL requests as {sql}, results without a kind) is read as today's shape", async () => {
  const file = join(dir, "old.jsonl");
  const lines = [
    { type: "session", version: 1, session: { id: "old", protocol: "postgres", started_at: "2026-11-23T10:00:00Z" }, identity: base.identity, target: base.target },
    { type: "request", seq: 1, at: "2026-11-23T10:00:01Z", request: { sql: "SELECT email FROM users" }, decision: { allow: true, reasons: [] }, result: { command_tag: "SELECT 2", rows: 2, masked_columns: ["public.users.email"] } },
    { type: "request", seq: 2, at: "2026-11-23T10:00:02Z", request: { sql: "DELETE FROM orders" }, decision: { allow: false, reasons: ["no"] }, result: { error: { code: "42501", message: "no" } } },
    { type: "end", at: "2026-11-23T10:00:03Z" },
  ];
  writeFileSync(file, lines.map((l) => JSON.stringify(l)).join("\n") + "\n");
  const recording = await readRecordingFile(file);
  assert.equal(recording.requests.map((r) => r.request), [{ kind: "sql", text: "SELECT email FROM users" }, { kind: "sql", text: "DELETE FROM orders" }]);
  assert.equal(recording.requests[0]?.result, { kind: "sql", command_tag: "SELECT 2", rows: 2, masked_columns: ["public.users.email"] });
  assert.equal(recording.requests[1]?.result, { error: { code: "42501", message: "no" } });
  assert.equal(recording.terminal, []);
});

test("a line that is neither today's nor an earlier shape is refused with its line number", async () => {
  const file = join(dir, "bad.jsonl");
  const session = { type: "session", version: 2, session: { id: "bad", protocol: "postgres" }, identity: base.identity, target: base.target };
  writeFileSync(file, `${JSON.stringify(session)}\n${JSON.stringify({ type: "request", seq: 1, at: "x", request: { kind: "sql" }, decision: { allow: true, reasons: [] } })}\n`);
  const error = await readRecordingFile(file).then(() => undefined, (e: unknown) => e);
  assert.match(String(error), /bad\.jsonl:2: /);
});

test.run();
