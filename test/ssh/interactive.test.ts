import { readdirSync } from "node:fs";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Identity } from "../../engine/policy/types.js";
import { readRecordingFile } from "../../engine/recording/read.js";
import { replayPage } from "../../proxy/console/pages/replay-page.js";
import { ALICE } from "../support/pg-gateway.js";
import { startSshGateway, type SshGatewayUnderTest } from "../support/ssh-gateway.js";

const CI_JOB: Identity = { subject: "ci-deployer", issuer: "https://idp.test", groups: ["deployers"], kind: "service", claims: {} };

let g: SshGatewayUnderTest;
test.before(async () => {
  g = await startSshGateway();
});
test.after(async () => {
  await g?.stop();
});

test("a person opens an interactive shell with a pty on a non-prod target: typed lines run, exit ends it", async () => {
  const r = await g.ssh([], { extra: ["-tt"], input: "echo interactive-$((6*7))\nexit 5\n" });
  assert.match(r.stdout, /interactive-42/);
  assert.is(r.code, 5);
});

test("an exec with a pty (ssh -t host tty) gets a terminal on the target", async () => {
  const r = await g.ssh(["tty"], { extra: ["-tt"] });
  assert.match(r.stdout, /^\/dev\/pts\/\d+\r?\n$/);
  assert.is(r.code, 0);
});

test("services may not open an interactive shell: the reason on stderr, nothing opened", async () => {
  const token = (await g.gateway.identity.tokens.issue(CI_JOB)).token;
  const r = await g.ssh([], { login: "ci-deployer+web", password: token, extra: ["-tt"], input: "echo should-not-run\n" });
  assert.is(r.code, 1);
  assert.match(r.stderr + r.stdout, /Portcullis denied this command: service identities may not open an interactive shell/);
  assert.not.match(r.stdout, /should-not-run\r?\n.*should-not-run/s);
});

test("the terminal session is recorded (input, output) and its request is the interactive shell", async () => {
  await g.ssh([], { extra: ["-tt"], input: "echo recorded-$((2+3))\nexit\n" });
  await new Promise((r) => setTimeout(r, 300));
  const dir = join(g.dir, "recordings");
  const files = readdirSync(dir, { recursive: true }).map(String).filter((f) => f.endsWith(".jsonl"));
  const recordings = await Promise.all(files.map((f) => readRecordingFile(join(dir, f))));
  const shell = recordings.find((rec) => rec.requests.some((q) => q.request.kind === "shell" && (q.request as { interactive?: boolean }).interactive) && rec.terminal.some((t) => t.event === "output" && (t.data ?? "").includes("recorded-5")));
  assert.ok(shell, `no terminal recording among ${files.length}`);
  assert.ok(shell!.terminal.some((t) => t.event === "input" && (t.data ?? "").includes("echo recorded")));
  // The console's replay page plays it: the output as text, without the terminal's control sequences.
  const page = replayPage({ identity: ALICE, csrf: "x", mayView: true }, shell!).body;
  const terminal = /<pre class="terminal">([\s\S]*?)<\/pre>/.exec(page)?.[1] ?? "";
  assert.match(terminal, /<span data-t-ms="\d+">[^<]*recorded-5/);
  assert.not.match(terminal, /\u001b/);
});

test.run();
