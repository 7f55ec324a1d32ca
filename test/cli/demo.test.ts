import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { packageRoot } from "../../engine/paths.js";
import { portcullis } from "../support/cli.js";
import { run, start } from "../support/run.js";

let demo: ChildProcess;
const cacheDir = mkdtempSync(join(tmpdir(), "portcullis-demo-test-"));
let printed = "";

test.before(async () => {
  demo = spawn(process.execPath, [join(packageRoot, "bin/portcullis"), "demo", "--listen-postgres", "127.0.0.1:0", "--listen-http", "127.0.0.1:0", "--listen-ssh", "127.0.0.1:0", "--listen-kubernetes", "127.0.0.1:0"], { cwd: packageRoot, stdio: ["ignore", "pipe", "pipe"] });
  demo.stdout!.on("data", (d: Buffer) => (printed += d.toString()));
  let logs = "";
  demo.stderr!.on("data", (d: Buffer) => (logs += d.toString()));
  for (let i = 0; i < 1200 && !printed.includes("Sign in as a person instead"); i++) await new Promise((r) => setTimeout(r, 100));
  if (!printed.includes("Sign in as a person instead")) throw new Error(`the demo did not start: ${logs}`);
});
test.after(async () => {
  rmSync(cacheDir, { recursive: true, force: true });
  if (demo.exitCode === null) {
    const exited = new Promise((r) => demo.once("exit", r));
    demo.kill("SIGINT");
    await exited;
  }
});

/** The printed ssh line (everything before the command), as a user pastes it. */
function sshLine(): string[] {
  const line = /^\s+(ssh -F \S+ alice\+web-1@portcullis) echo hello/m.exec(printed)?.[1];
  assert.ok(line, printed);
  return line!.split(" ");
}

test("npm start prints an ssh line for alice that runs a command with no prompt", async () => {
  const [ssh, ...args] = sshLine();
  const r = await run(ssh!, [...args, "-o", "BatchMode=yes", "echo", "hello"], process.env);
  assert.equal(r, { code: 0, stdout: "hello\n", stderr: "" });
});

test("the demo's policy refuses cat /etc/shadow with its reason", async () => {
  const [ssh, ...args] = sshLine();
  const r = await run(ssh!, [...args, "-o", "BatchMode=yes", "cat", "/etc/shadow"], process.env);
  assert.is(r.code, 1);
  assert.is(r.stderr, "Portcullis denied this command: cat reads /etc/shadow, which holds secrets\n");
});

test("sudo systemctl restart nginx waits for approval; dana's printed approvals command lets it run", async () => {
  const [ssh, ...args] = sshLine();
  const waiting = start(ssh!, [...args, "-o", "BatchMode=yes", "sudo", "systemctl", "restart", "nginx"], process.env, undefined, 60_000);
  for (let i = 0; i < 200 && !/waiting for approval (\S+)/.test(waiting.stderr()); i++) await new Promise((r) => setTimeout(r, 50));
  const id = /waiting for approval (\S+)/.exec(waiting.stderr())?.[1];
  assert.ok(id, waiting.stderr());
  const approve = /^\s+PORTCULLIS_GATEWAY=(\S+) PORTCULLIS_TOKEN=(\S+) bin\/portcullis approvals approve ID$/m.exec(printed);
  assert.ok(approve, printed);
  const approved = await portcullis(["approvals", "approve", id!], { env: { PORTCULLIS_GATEWAY: approve![1]!, PORTCULLIS_TOKEN: approve![2]! } });
  assert.is(approved.code, 0, approved.stderr);
  const r = await waiting.done;
  // Forwarded: whatever the machine's sudo and systemctl make of it, it is no longer the gateway's refusal.
  assert.not.match(r.stderr, /Portcullis denied/);
  assert.match(r.stderr, /Portcullis: waiting for approval/);
});

/** The printed kubectl line (kubectl and alice's kubeconfig), run from the repository's root as printed. */
function kubectl(args: string[], timeoutMs = 60_000) {
  const line = /^\s+(\S+kubectl --kubeconfig \S+) get pods -n demo/m.exec(printed)?.[1];
  assert.ok(line, printed);
  const [program, ...rest] = line!.split(" ");
  return start(program!, [...rest, ...args], { ...process.env, KUBECACHEDIR: join(cacheDir, "kube") }, undefined, timeoutMs, packageRoot);
}

test("the printed kubectl line lists the demo namespace's pods as alice", async () => {
  const r = await kubectl(["get", "pods", "-n", "demo"]).done;
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /^web-1\s+1\/1\s+Running/m);
});

test("the demo Secret comes back masked in -o yaml", async () => {
  const r = await kubectl(["get", "secret", "-n", "demo", "db", "-o", "yaml"]).done;
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, "password: '****'");
  assert.not.match(r.stdout, Buffer.from("correct-horse-battery-staple").toString("base64"));
});

test("kubectl exec cat /etc/shadow into the demo pod is refused with the policy's reason", async () => {
  const r = await kubectl(["exec", "-n", "demo", "web-1", "--", "cat", "/etc/shadow"]).done;
  assert.is(r.code, 1);
  assert.match(r.stderr, "Portcullis denied this request: cat reads /etc/shadow, which holds secrets");
});

test("deleting the demo deployment waits for dana's approval, then deletes it", async () => {
  const deleting = kubectl(["delete", "deployment", "-n", "demo", "web"]);
  const approve = /^\s+PORTCULLIS_GATEWAY=(\S+) PORTCULLIS_TOKEN=(\S+) bin\/portcullis approvals approve ID$/m.exec(printed);
  assert.ok(approve, printed);
  const env = { PORTCULLIS_GATEWAY: approve![1]!, PORTCULLIS_TOKEN: approve![2]! };
  let id: string | undefined;
  for (let i = 0; i < 100 && !id; i++) {
    const list = await portcullis(["approvals", "list"], { env });
    id = /^(apr_\S+)\s+pending\s+hold\s+alice\s+cluster\s/m.exec(list.stdout)?.[1];
    if (!id) await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(id, "no pending approval for the delete");
  assert.is(deleting.stdout(), "", "nothing is deleted before the approval");
  const approved = await portcullis(["approvals", "approve", id!], { env });
  assert.is(approved.code, 0, approved.stderr);
  const r = await deleting.done;
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, 'deployment.apps "web" deleted');
});

test.run();
