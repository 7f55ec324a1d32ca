import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Identity } from "../../engine/policy/types.js";
import { kubeGatewayForSuite } from "../support/kube-gateway.js";
import { policyDir } from "../support/policy-dir.js";
import { recordingsOnceOneHolds } from "../support/recordings.js";
import { clearOfWindowEnd } from "../support/windows.js";

/**
 * The decision's bytes_per_window and commands_per_window through the Kubernetes gateway, against a
 * real apiserver and kubectl: a log over the byte budget is cut exactly at it and told why, a
 * response whose size is known and over the budget is refused whole with a Status, and requests past
 * their budget are refused with the time until the window resets.
 */
const POD = "limits-1";
const LOG_BYTES = 1000;
const OBJECT_BYTES = 100;
const REQUESTS = 3;
// Budgets are counted per caller (issuer and subject): one issuer per test keeps them apart. All act as alice in the cluster.
const LOGS: Identity = { subject: "alice", issuer: "https://logs.test", groups: ["dev"], kind: "service", claims: {} };
const OBJECTS: Identity = { subject: "alice", issuer: "https://objects.test", groups: ["dev"], kind: "service", claims: {} };
const EXEC: Identity = { subject: "alice", issuer: "https://exec.test", groups: ["dev"], kind: "service", claims: {} };
const EXEC_BYTES = 50_000;
const WATCH: Identity = { subject: "alice", issuer: "https://watch.test", groups: ["dev"], kind: "service", claims: {} };
const WATCH_BYTES = 300;
const CALLS: Identity = { subject: "alice", issuer: "https://calls.test", groups: ["dev"], kind: "service", claims: {} };

const POLICY = `package portcullis

default decision := {"allow": true, "reasons": []}

decision := {"allow": true, "reasons": [], "limits": {"bytes_per_window": {"limit": ${LOG_BYTES}, "seconds": 3600}}} if {
	input.identity.issuer == "https://logs.test"
	input.action.subresource == "log"
}

decision := {"allow": true, "reasons": [], "limits": {"bytes_per_window": {"limit": ${OBJECT_BYTES}, "seconds": 3600}}} if {
	input.identity.issuer == "https://objects.test"
	input.action.resource == "configmaps"
}

decision := {"allow": true, "reasons": [], "limits": {"bytes_per_window": {"limit": ${EXEC_BYTES}, "seconds": 3600}}} if {
	input.identity.issuer == "https://exec.test"
	input.action.subresource == "exec"
}

decision := {"allow": true, "reasons": [], "limits": {"bytes_per_window": {"limit": ${WATCH_BYTES}, "seconds": 3600}}} if {
	input.identity.issuer == "https://watch.test"
	input.action.verb == "watch"
}

decision := {"allow": true, "reasons": [], "limits": {"commands_per_window": {"limit": ${REQUESTS}, "seconds": 3600}}} if input.identity.issuer == "https://calls.test"
`;

const policy = policyDir({ "limits.rego": POLICY });
const gateway = kubeGatewayForSuite(test, { pod: POD, policyDir: policy.dir });
test.after(() => policy.remove());

/** The gateway's audit decisions, and every recording's text (where each request's result is). */
function decisions(dir: string): Array<{ effect: string; decision: { reasons: string[] } }> {
  const lines = readFileSync(join(dir, "audit.log"), "utf8").trim().split("\n");
  return lines.map((l) => (JSON.parse(l) as { event: { type: string } }).event).filter((e) => e.type === "decision") as never;
}

/** Every recording's text, once one of them matches (recordings are written in batches, a little after the client is answered). */
async function recordingsOnceMatched(dir: string, pattern: RegExp | string): Promise<string> {
  const holds = (text: string): boolean => (typeof pattern === "string" ? text.includes(pattern) : pattern.test(text));
  return (await recordingsOnceOneHolds(dir, holds)).join("\n");
}

test("kubectl logs over the byte budget is cut exactly at it, told why, and fails; the next logs request is refused until the window resets", async () => {
  await clearOfWindowEnd(3600);
  const g = gateway();
  g.cluster.appendPodLog(Array.from({ length: 100 }, (_, i) => `line ${String(i).padStart(3, "0")} ${"x".repeat(40)}`));
  const whole = await g.cluster.kubectl("admin", ["logs", "-n", g.cluster.namespace, POD]);
  assert.ok(whole.stdout.length > LOG_BYTES, whole.stderr);

  const cut = await g.kubectl(["logs", "-n", g.cluster.namespace, POD], { who: LOGS });
  const told = `Portcullis cut this output off after ${LOG_BYTES} bytes: the policy allows alice ${LOG_BYTES} bytes per hour, and that budget is spent; it resets in `;
  assert.is(cut.stdout.slice(0, LOG_BYTES), whole.stdout.slice(0, LOG_BYTES));
  assert.match(cut.stdout.slice(LOG_BYTES), new RegExp(`^\\n${told}\\d+ s\\n$`));
  assert.is(cut.stderr, "error: unexpected EOF\n");
  assert.is.not(cut.code, 0, "a cut log is an error, not a complete one");

  const next = await g.kubectl(["logs", "-n", g.cluster.namespace, POD], { who: LOGS });
  assert.is(next.stdout, "");
  assert.match(next.stderr, new RegExp(`Error from server \\(Forbidden\\): Portcullis denied this request: bytes budget spent: at most ${LOG_BYTES} bytes per hour for alice; it resets in \\d+ s`));
  assert.is(next.code, 1);
  assert.equal(decisions(g.dir).slice(-2).map((d) => d.effect), ["allow", "deny"]);
  const result = JSON.stringify(cut.stdout.slice(LOG_BYTES).trim());
  assert.ok((await recordingsOnceMatched(g.dir, result)).includes(result), "the cut is the logs request's recorded result");
});

test("a response whose size is known and over the byte budget is refused whole with a TooManyRequests Status", async () => {
  await clearOfWindowEnd(3600);
  const g = gateway();
  const created = await g.cluster.api("admin", "POST", `/api/v1/namespaces/${g.cluster.namespace}/configmaps`, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "sized" }, data: { a: "y".repeat(500) } });
  assert.is(created.status, 201, created.body);
  const r = await g.kubectl(["get", "configmap", "sized", "-n", g.cluster.namespace, "-o", "json"], { who: OBJECTS });
  assert.is(r.stdout, "");
  const refused = /^Error from server \(TooManyRequests\): Portcullis refused this response of (\d+) bytes: only 100 bytes are left of the policy's byte budget; it resets in \d+ s\n$/.exec(r.stderr);
  assert.ok(refused, r.stderr);
  assert.ok(Number(refused[1]) > 500, "the size is the configmap's whole answer");
  assert.is(r.code, 1);
  // Nothing was sent, so nothing was spent: the same 100 bytes are left.
  const again = await g.kubectl(["get", "configmap", "sized", "-n", g.cluster.namespace, "-o", "json"], { who: OBJECTS });
  assert.match(again.stderr, /only 100 bytes are left of the policy's byte budget/);
});

test("an exec stream is closed where its byte budget ends, and the cut recorded as its result", async () => {
  await clearOfWindowEnd(3600);
  const g = gateway();
  const r = await g.kubectl(["exec", "-n", g.cluster.namespace, POD, "--", "sh", "-c", "head -c 200000 /dev/zero | base64"], { who: EXEC });
  // The budget counts the stream's frames as sent (headers and channel bytes included), and the client
  // drops the frame cut in two: the output is less, by up to a frame.
  assert.ok(r.stdout.length <= EXEC_BYTES && r.stdout.length > EXEC_BYTES / 2, `${r.stdout.length} bytes: ${r.stderr}`);
  assert.is(r.stdout, ("A".repeat(76) + "\n").repeat(2000).slice(0, r.stdout.length));
  assert.is.not(r.code, 0, r.stderr);
  const recorded = new RegExp(`Portcullis cut this output off after ${EXEC_BYTES} bytes: the policy allows alice ${EXEC_BYTES} bytes per hour, and that budget is spent; it resets in \\d+ s`);
  // The result is recorded once the gateway has closed both sides, which kubectl does not wait for.
  assert.match(await recordingsOnceMatched(g.dir, recorded), recorded);
  assert.match(r.stderr, /websocket: close 1006 \(abnormal closure\): unexpected EOF/);
});

test("a watch is ended where its byte budget ends, with an ERROR event carrying the reason after the last whole event", async () => {
  await clearOfWindowEnd(3600);
  const g = gateway();
  const watch = await g.startKubectl(["get", "configmaps", "-n", g.cluster.namespace, "-w", "-o", "name", "--watch-only"], { who: WATCH });
  await new Promise((resolve) => setTimeout(resolve, 1500));
  const created = await g.cluster.api("admin", "POST", `/api/v1/namespaces/${g.cluster.namespace}/configmaps`, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "watched" }, data: { a: "z".repeat(400) } });
  assert.is(created.status, 201, created.body);
  const r = await watch.done;
  // The event over the budget never arrives; the ERROR event's Status is what client-go's informers
  // report as the watch's error. kubectl get -w -o name prints any object, a Status included, and ends.
  assert.equal(r, { code: 0, stdout: "status/<unknown>\n", stderr: "" });
  const again = await g.kubectl(["get", "configmaps", "-n", g.cluster.namespace, "-w", "-o", "name", "--watch-only"], { who: WATCH, timeoutMs: 20_000 });
  assert.match(again.stderr, new RegExp(`Error from server \\(Forbidden\\): Portcullis denied this request: bytes budget spent: at most ${WATCH_BYTES} bytes per hour for alice; it resets in \\d+ s`));
  assert.is(again.code, 1);
  const cutWatch = new RegExp(`Portcullis cut this output off after ${WATCH_BYTES} bytes`);
  assert.match(await recordingsOnceMatched(g.dir, cutWatch), cutWatch);
});

test("kubectl requests past their commands budget are refused with the time until the window resets", async () => {
  await clearOfWindowEnd(3600);
  const g = gateway();
  const path = `/api/v1/namespaces/${g.cluster.namespace}/configmaps`;
  for (let i = 0; i < REQUESTS; i++) {
    const r = await g.kubectl(["get", "--raw", path], { who: CALLS });
    assert.is(r.code, 0, r.stderr);
  }
  const over = await g.kubectl(["get", "--raw", path], { who: CALLS });
  assert.match(over.stderr, new RegExp(`Error from server \\(Forbidden\\): Portcullis denied this request: rate limit: at most ${REQUESTS} requests per hour for alice; the budget resets in \\d+ s`));
  assert.is(over.code, 1);
});

test.run();
