import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { startSshGateway, type SshGatewayUnderTest } from "../support/ssh-gateway.js";

let g: SshGatewayUnderTest;
let work: string;
test.before(async () => {
  g = await startSshGateway({ interactive: "command" });
  work = mkdtempSync(join(tmpdir(), "portcullis-command-mode-"));
});
test.after(async () => {
  await g?.stop();
  rmSync(work, { recursive: true, force: true });
});

test("command mode decides each line: allowed lines run, a refused one says why, and the session goes on", async () => {
  const r = await g.ssh([], { extra: ["-tt"], input: "echo first-$((1+1))\ncat /etc/shadow\necho after-refusal\nexit\n", timeoutMs: 30_000 });
  assert.is(r.code, 0, r.stderr);
  const out = r.stdout.replace(/\r/g, "");
  assert.match(out, /Portcullis command mode on web/);
  assert.match(out, /^first-2$/m);
  assert.match(out, /Portcullis denied this command: cat reads \/etc\/shadow, which holds secrets/);
  assert.match(out, /^after-refusal$/m);
});

test("cd moves the session's directory for the lines after it", async () => {
  const r = await g.ssh([], { extra: ["-tt"], input: `cd ${work}\npwd\nexit\n`, timeoutMs: 30_000 });
  assert.is(r.code, 0, r.stderr);
  const out = r.stdout.replace(/\r/g, "");
  assert.match(out, new RegExp(`^${work}$`, "m"));
  assert.match(out, new RegExp(`web:${work}\\$ `));
});

test("full-screen programs and nested shells are refused in command mode", async () => {
  const r = await g.ssh([], { extra: ["-tt"], input: "vim /tmp/x\nbash\nexit\n", timeoutMs: 30_000 });
  const out = r.stdout.replace(/\r/g, "");
  assert.match(out, /Portcullis: vim takes over the terminal/);
  assert.match(out, /Portcullis: bash takes over the terminal/);
});

test("without a pty the lines are a script: each decided and run in order, EOF ends the session", async () => {
  const r = await g.ssh(["-T"], { input: "echo one\necho two\ncat /etc/shadow\necho three\n", timeoutMs: 30_000 });
  assert.is(r.code, 0, r.stderr);
  const lines = r.stdout.split("\n").filter((l) => /^(one|two|three)$/.test(l.replace(/^web:\S*\$ /, "")));
  assert.is(lines.length, 3, r.stdout);
  assert.match(r.stdout, /Portcullis denied this command/);
});

test("every line is audited as its own shell request", async () => {
  const { readFileSync } = await import("node:fs");
  const texts = readFileSync(join(g.dir, "audit.log"), "utf8")
    .split("\n")
    .filter((l) => l.includes('"decision"'))
    .map((l) => (JSON.parse(l) as { event: { request?: { text?: string } } }).event.request?.text);
  for (const text of ["echo first-$((1+1))", "cat /etc/shadow", `cd ${work}`, "pwd", "vim /tmp/x"]) assert.ok(texts.includes(text), `${text} in ${texts.join(" | ")}`);
});

test.run();
