import { readdirSync, readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { AuditRecord } from "../../engine/audit/types.js";
import { startSshGateway, type SshGatewayUnderTest } from "../support/ssh-gateway.js";
import { portcullis } from "../support/cli.js";
import { run } from "../support/run.js";

let g: SshGatewayUnderTest;
test.before(async () => {
  g = await startSshGateway();
});
test.after(async () => {
  await g?.stop();
});

/** The same command straight to the target's sshd with the gateway's key: what ssh does without Portcullis. */
async function direct(command: string[], input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const key = join(g.dir, "web.key");
  return run("ssh", ["-F", "/dev/null", "-p", String(g.sshd.port), "-i", key, "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", "-o", "BatchMode=yes", `${g.sshd.user}@127.0.0.1`, ...command], process.env, input);
}

async function auditRecords(): Promise<AuditRecord[]> {
  const text = await readFile(join(g.dir, "audit.log"), "utf8");
  return text.split("\n").filter((l) => l.length > 0).map((l) => JSON.parse(l) as AuditRecord);
}

function sessionsStarted(): number {
  return g.sshd.log().split("\n").filter((l) => /Starting session: command/.test(l)).length;
}

test("ssh alice+web@gateway echo hello runs on the real sshd", async () => {
  const r = await g.ssh(["echo", "hello"]);
  assert.is(r.stderr, "");
  assert.is(r.stdout, "hello\n");
  assert.is(r.code, 0);
  assert.match(g.sshd.log(), /Accepted publickey for \S+ from 127\.0\.0\.1/);
});

test("a denied command never reaches the target: the policy's reason on stderr, exit status 1, audited as a denial", async () => {
  const before = sessionsStarted();
  const r = await g.ssh(["cat", "/etc/shadow"]);
  assert.is(r.code, 1);
  assert.is(r.stdout, "");
  assert.is(r.stderr, "Portcullis denied this command: cat reads /etc/shadow, which holds secrets\n");
  assert.is(sessionsStarted(), before);
  const denial = (await auditRecords()).filter((r) => r.event.type === "decision").at(-1)!.event as { effect: string; request: { kind: string; text: string } };
  assert.is(denial.effect, "deny");
  assert.equal(denial.request, { kind: "shell", text: "cat /etc/shadow" });
});

test("obfuscated spellings of the same read are denied too", async () => {
  for (const command of ["c\\at /etc/shadow", "'c''at' /etc/sha''dow", "/bin/cat /etc/shadow", "sh -c 'cat </etc/shadow'", "echo x | xargs cat /etc/shadow"]) {
    const r = await g.ssh([command]);
    assert.is(r.code, 1, command);
    assert.match(r.stderr, /^Portcullis denied this command: /, command);
  }
});

test("a command that does not parse is denied with where reading stopped", async () => {
  const r = await g.ssh(["echo 'unterminated"]);
  assert.is(r.code, 1);
  assert.match(r.stderr, /^Portcullis denied this command: /);
});

test("exit statuses, stderr and stdin pass through as they do straight to sshd", async () => {
  for (const [command, input] of [[["exit", "3"], undefined], [["sh", "-c", "'echo out; echo err >&2; exit 7'"], undefined], [["cat"], "line one\nline two\n"], [["wc", "-c"], "x".repeat(300_000)]] as Array<[string[], string | undefined]>) {
    const through = await g.ssh(command, input === undefined ? {} : { input });
    const straight = await direct(command, input);
    assert.equal(through, straight, command.join(" "));
  }
});

test("a command killed by a signal ends ssh as it would straight to sshd", async () => {
  const command = ["sh", "-c", "'kill -TERM $$'"];
  const through = await g.ssh(command);
  const straight = await direct(command);
  assert.is(through.code, straight.code);
  assert.is(straight.code, 255);
  const result = (await auditRecords()).length;
  assert.ok(result > 0);
});

test("the session's decision is audited before the command runs, and its result recorded with the exit status", async () => {
  const r = await g.ssh(["sh", "-c", "'exit 4'"]);
  assert.is(r.code, 4);
  const records = await auditRecords();
  const decision = records.filter((r) => r.event.type === "decision").at(-1)!.event as { effect: string; session_id?: string; request: { text: string }; target: { name: string; type: string } };
  assert.is(decision.effect, "allow");
  assert.is(decision.request.text, "sh -c 'exit 4'");
  assert.is(decision.target.name, "web");
  assert.is(decision.target.type, "ssh");
  assert.ok(records.some((r) => r.event.type === "session_start"));
});

test("a wrong token, an unknown target and a login without a target are refused before anything runs", async () => {
  const before = sessionsStarted();
  for (const options of [{ password: "not-a-token" }, { login: "alice+nowhere" }, { login: "alice" }, { login: "bob+web" }]) {
    const r = await g.ssh(["echo", "hi"], options);
    assert.is(r.code, 255, JSON.stringify(options));
    assert.match(r.stderr, /Permission denied \(publickey,password,keyboard-interactive\)/, JSON.stringify(options));
    assert.is(r.stdout, "");
  }
  assert.is(sessionsStarted(), before);
  const failures = (await auditRecords()).filter((r) => r.event.type === "auth_failure").map((r) => (r.event as { code: string }).code);
  for (const code of ["unknown_target", "invalid_name", "user_mismatch"]) assert.ok(failures.includes(code), `${code} in ${failures.join(",")}`);
});

test("variables the client sends are part of the request: harmless ones pass, LD_PRELOAD is denied", async () => {
  const fine = await g.ssh(["true"], { extra: ["-o", "SetEnv=PORTCULLIS_TEST_VAR=1"] });
  assert.is(fine.code, 0, fine.stderr);
  const decision = (await auditRecords()).filter((r) => r.event.type === "decision").at(-1)!.event as { request: { env?: Record<string, string> }; action?: { env?: Record<string, string> } };
  assert.equal(decision.request.env, { PORTCULLIS_TEST_VAR: "1" });
  const before = sessionsStarted();
  const preload = await g.ssh(["true"], { extra: ["-o", "SetEnv=LD_PRELOAD=/tmp/evil.so"] });
  assert.is(preload.code, 1);
  assert.is(preload.stderr, "Portcullis denied this command: setting LD_PRELOAD for a command is denied: it changes which code runs\n");
  assert.is(sessionsStarted(), before);
});

test("port forwarding is refused both ways", async () => {
  // -W opens a direct-tcpip channel at once, as -L does for each connection it forwards.
  const local = await g.ssh([], { extra: ["-W", `127.0.0.1:${g.sshd.port}`], timeoutMs: 10_000 });
  assert.is.not(local.code, 0);
  assert.match(local.stderr, /stdio forwarding failed/);
  const remote = await g.ssh(["true"], { extra: ["-o", "ExitOnForwardFailure=yes", "-R", "127.0.0.1:0:127.0.0.1:9"], timeoutMs: 10_000 });
  assert.is.not(remote.code, 0);
  assert.match(remote.stderr, /remote port forwarding failed/i);
});

test("portcullis conformance run replays the SSH session recordings against the policy", async () => {
  await g.ssh(["echo", "recorded"]);
  await new Promise((r) => setTimeout(r, 300));
  const replay = await portcullis(["conformance", "run", join(g.dir, "recordings"), "--format", "json"]);
  assert.is(replay.code, 0, replay.stdout + replay.stderr);
  const report = JSON.parse(replay.stdout) as { passed: number; failed: number; results: Array<{ origin: string }> };
  assert.is(report.failed, 0);
  assert.ok(report.passed >= 10, `${report.passed} cases`);
  assert.ok(report.results.every((r) => /\.jsonl:\d+$/.test(r.origin)), report.results[0]?.origin);
});

test("canary: the target's key never reaches the audit log, a recording or the gateway's log, even when a terminal prints it", async () => {
  // The test's target runs on this machine, so a command can print the gateway's own key file: the
  // terminal recording must still hold it scrubbed.
  await g.ssh(["cat", join(g.dir, "web.key")], { extra: ["-tt"] });
  await new Promise((r) => setTimeout(r, 300));
  const keyLines = g.sshd.privateKey.split("\n").filter((l) => l.length >= 16 && !l.startsWith("-----"));
  assert.ok(keyLines.length > 0);
  const recordings = readdirSync(join(g.dir, "recordings")).map((f) => readFileSync(join(g.dir, "recordings", f), "utf8"));
  const places: Array<[string, string]> = [["audit log", readFileSync(join(g.dir, "audit.log"), "utf8")], ["gateway log", g.logs.join("\n")], ...recordings.map((r, i): [string, string] => [`recording ${i}`, r])];
  for (const [where, text] of places) {
    for (const line of keyLines) assert.not.ok(text.includes(line) || text.includes(Buffer.from(line).toString("base64")), `a key line in the ${where}`);
  }
});

test.run();
