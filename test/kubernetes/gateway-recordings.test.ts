import { readdirSync, readFileSync } from "node:fs";
import { request } from "node:https";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { portcullis } from "../support/cli.js";
import { kubeGatewayForSuite } from "../support/kube-gateway.js";
import { run } from "../support/run.js";
import { defaultPolicyWithSettings } from "../support/policy-dir.js";

// Kubernetes sessions are recorded like the other protocols' and replay against a new policy: the
// same recording passes against the policy that decided it and shows what a changed policy decides.

const POD = "web-1";
const gateway = kubeGatewayForSuite(test, { pod: POD });

/** Every line of every recording so far (recordings are flushed as they are written). */
function recordingLines(): Array<Record<string, unknown>> {
  const recordings = join(gateway().dir, "recordings");
  return readdirSync(recordings).flatMap((file) => readFileSync(join(recordings, file), "utf8").trim().split("\n").filter((l) => l !== "").map((line) => JSON.parse(line) as Record<string, unknown>));
}

test("an exec with a tty is a terminal recording: what was typed and what came back, in order", async () => {
  const ns = gateway().cluster.namespace;
  // kubectl asks for a tty only when its stdin is a terminal: script(1) gives it one, and types the input into it.
  const kubectl = [gateway().cluster.tools.kubectl, "exec", "-i", "-t", "-n", ns, POD, "--", "sh", "-c", "'read line; echo got-$line; echo oops >&2; sleep 0.2'"].join(" ");
  const env = { ...process.env, KUBECONFIG: await gateway().kubeconfigFor(), KUBECACHEDIR: join(gateway().dir, "kubectl-cache") };
  const exec = await run("script", ["-qec", kubectl, "/dev/null"], env, "typed-in\n");
  assert.is(exec.code, 0, exec.stdout + exec.stderr);
  assert.match(exec.stdout, "got-typed-in");
  let terminal: Array<Record<string, unknown>> = [];
  for (let i = 0; i < 50; i++) {
    terminal = recordingLines().filter((line) => line.type === "terminal");
    if (terminal.some((line) => String(line.data).includes("oops"))) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const text = (event: string): string => terminal.filter((line) => line.event === event).map((line) => String(line.data)).join("");
  assert.match(text("input"), "typed-in", JSON.stringify(terminal));
  assert.match(text("output"), "got-typed-in");
  // With a tty the container's stderr arrives on the terminal; kwok keeps it apart, and so does the recording.
  assert.match(text("output") + text("error"), "oops");
  const inputAt = terminal.findIndex((line) => line.event === "input");
  const outputAt = terminal.findIndex((line) => String(line.data).includes("got-typed-in"));
  assert.ok(inputAt >= 0 && inputAt < outputAt, JSON.stringify(terminal));
});

test("a tty exec over SPDY, which the gateway cannot record, is refused", async () => {
  const path = `/api/v1/namespaces/${gateway().cluster.namespace}/pods/${POD}/exec?command=sh&stdin=true&stdout=true&tty=true`;
  const token = await gateway().token();
  const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request(`${gateway().url}${path}`, {
      method: "POST",
      ca: gateway().caPem,
      headers: { authorization: `Bearer ${token}`, connection: "Upgrade", upgrade: "SPDY/3.1", "x-stream-protocol-version": "v4.channel.k8s.io" },
    });
    req.on("upgrade", () => reject(new Error("the SPDY stream was spliced unrecorded")));
    req.on("response", (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (d: string) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
  assert.is(answer.status, 400, answer.body);
  assert.match(answer.body, "Portcullis records terminal sessions and reads them only over WebSocket");
});

test("recorded kubectl requests replay against the policy, and a new policy's changes are reported", async () => {
  const ns = gateway().cluster.namespace;
  assert.is((await gateway().kubectl(["get", "pods", "-n", ns])).code, 0);
  assert.is((await gateway().kubectl(["exec", "-n", ns, POD, "--", "echo", "hi"])).code, 0);
  // Recordings are complete once their sessions end: the gateway closes them on close.
  await gateway().gateway.close();
  const recordings = join(gateway().dir, "recordings");
  // The exec's result in its recording: the command's exit status, read from the stream.
  const lines = readdirSync(recordings).flatMap((file) => readFileSync(join(recordings, file), "utf8").trim().split("\n").map((line) => JSON.parse(line) as { request?: { text?: string }; result?: { exit_status?: number } }));
  const exec = lines.find((line) => line.request?.text?.includes("/exec?command=echo"));
  assert.is(exec?.result?.exit_status, 0, JSON.stringify(exec));
  const same = await portcullis(["conformance", "run", recordings]);
  assert.is(same.code, 0, same.stdout + same.stderr);
  assert.match(same.stdout, /all passed/);
  // The same namespace, now prod: the exec would wait for an approval.
  const stricter = defaultPolicyWithSettings({ kubernetes: { admin_groups: [], secret_readers: [], prod_namespaces: [ns] } });
  try {
    const changed = await portcullis(["conformance", "run", recordings, "--policy", stricter.dir]);
    assert.is(changed.code, 1, changed.stdout + changed.stderr);
    assert.match(changed.stdout, "decision: expected allow, got approval");
    assert.match(changed.stdout, `/api/v1/namespaces/${ns}/pods/${POD}/exec`);
  } finally {
    stricter.remove();
  }
});

test.run();
