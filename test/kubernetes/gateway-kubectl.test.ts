import { randomBytes } from "node:crypto";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { freePort } from "../support/free-port.js";
import { KUBE_ALICE, kubeGatewayForSuite } from "../support/kube-gateway.js";

// Unchanged kubectl against the gateway in front of a real apiserver: what alice sees.

const POD = "web-1";
// Nothing listens here: the `down` target's apiserver is down.
const downPort = await freePort();
const gateway = kubeGatewayForSuite(test, { pod: POD, downServer: `https://127.0.0.1:${downPort}` });

test("kubectl get pods through the gateway is authorized as alice", async () => {
  const got = await gateway().kubectl(["get", "pods", "-n", gateway().cluster.namespace, "-o", "name"]);
  assert.equal([got.code, got.stdout.trim()], [0, `pod/${POD}`], got.stderr);
  // alice may not list pods elsewhere: the apiserver says so, as alice
  const other = await gateway().kubectl(["get", "pods", "-n", "default"]);
  assert.is(other.code, 1);
  assert.match(other.stderr, `User "alice" cannot list resource "pods" in API group "" in the namespace "default"`);
});

test("apply creates, a second apply configures, delete deletes", async () => {
  const name = `cm-${randomBytes(3).toString("hex")}`;
  const cm = (value: string) => JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: gateway().cluster.namespace }, data: { k: value } });
  const created = await gateway().kubectl(["apply", "-f", "-"], { input: cm("1") });
  assert.is(created.code, 0, created.stderr);
  assert.match(created.stdout, `configmap/${name} created`);
  const changed = await gateway().kubectl(["apply", "-f", "-"], { input: cm("2") });
  assert.match(changed.stdout, `configmap/${name} configured`, changed.stderr);
  const value = await gateway().kubectl(["get", "configmap", name, "-n", gateway().cluster.namespace, "-o", "jsonpath={.data.k}"]);
  assert.is(value.stdout, "2");
  const deleted = await gateway().kubectl(["delete", "configmap", name, "-n", gateway().cluster.namespace]);
  assert.match(deleted.stdout, `configmap "${name}" deleted`, deleted.stderr);
});

test("a request the policy denies is a kubectl error carrying the policy's reason", async () => {
  const pod = { apiVersion: "v1", kind: "Pod", metadata: { name: "root", namespace: gateway().cluster.namespace }, spec: { nodeName: gateway().cluster.nodeName, containers: [{ name: "c", image: "x", securityContext: { privileged: true } }] } };
  const denied = await gateway().kubectl(["apply", "-f", "-"], { input: JSON.stringify(pod) });
  assert.is(denied.code, 1);
  assert.match(denied.stderr, "Error from server (Forbidden)");
  assert.match(denied.stderr, "Portcullis denied this request: pods: a privileged container is for admins only");
  const exec = await gateway().kubectl(["exec", "-n", gateway().cluster.namespace, POD, "--", "cat", "/etc/shadow"]);
  assert.is(exec.code, 1);
  assert.match(exec.stderr, "cat reads /etc/shadow, which holds secrets");
  // The kubelet's API through nodes/proxy would run a command past the exec rule above.
  const kubelet = await gateway().kubectl(["get", "--raw", `/api/v1/nodes/${gateway().cluster.nodeName}/proxy/runningpods/`]);
  assert.is(kubelet.code, 1);
  assert.match(kubelet.stderr, `the kubelet API through nodes/proxy (${gateway().cluster.nodeName}) is for admins only`);
});

test("exec without a tty: output, stdin and the command's failure", async () => {
  const echo = await gateway().kubectl(["exec", "-n", gateway().cluster.namespace, POD, "--", "echo", "hi"]);
  assert.equal(echo, { code: 0, stdout: "hi\n", stderr: "" });
  const input = `m-${randomBytes(6).toString("hex")}`;
  const head = await gateway().kubectl(["exec", "-i", "-n", gateway().cluster.namespace, POD, "--", "head", "-c", String(input.length)], { input });
  assert.equal(head, { code: 0, stdout: input, stderr: "" });
});

test("client impersonation headers are refused", async () => {
  const asBob = await gateway().kubectl(["get", "pods", "-n", gateway().cluster.namespace, "--as", "bob"]);
  assert.is(asBob.code, 1);
  assert.match(asBob.stderr, "impersonating another user or group through the gateway is not allowed");
});

test("a request without a token, or with a bad one, is 401 and never reaches the apiserver", async () => {
  const res = await fetchGateway("/api/v1/namespaces/team-a/pods", undefined);
  assert.is(res.status, 401);
  assert.equal([res.body.kind, res.body.reason], ["Status", "Unauthorized"]);
  const bad = await fetchGateway("/api/v1/namespaces/team-a/pods", "not-a-token");
  assert.is(bad.status, 401);
  const good = await fetchGateway("/api/v1/namespaces/team-a/pods", await gateway().token(KUBE_ALICE));
  assert.is(good.status, 200);
});

test("an apiserver that is down is a 503 Status kubectl prints, and the gateway goes on serving", async () => {
  const down = await gateway().kubectl(["get", "pods", "-n", "team-a"], { target: "down" });
  assert.is(down.code, 1);
  // kubectl's discovery prints 503 in its own words; the Status's message is there for a plain request
  assert.match(down.stderr, "Error from server (ServiceUnavailable)");
  const raw = await gateway().kubectl(["get", "--raw", "/api/v1/namespaces/team-a/pods"], { target: "down" });
  assert.is(raw.code, 1);
  assert.match(raw.stderr, "Portcullis could not reach the target down", raw.stderr);
  assert.match(raw.stderr, "ECONNREFUSED");
  const up = await gateway().kubectl(["get", "pods", "-n", gateway().cluster.namespace, "-o", "name"]);
  assert.equal([up.code, up.stdout.trim()], [0, `pod/${POD}`], up.stderr);
});

test("a URL naming no target is 404, with the gateway's URL scheme in the message", async () => {
  const res = await fetchGateway(`${gateway().gateway.kubernetes!.url}/targets/nothing/api/v1/pods`, await gateway().token(KUBE_ALICE));
  assert.is(res.status, 404);
  assert.match(String(res.body.message), "https://GATEWAY/targets/NAME");
});

/** One GET to the gateway without kubectl: `path` under the `kind` target, or a whole URL. */
async function fetchGateway(path: string, token: string | undefined): Promise<{ status: number; body: Record<string, unknown> }> {
  const { request } = await import("node:https");
  const url = path.startsWith("https:") ? path : `${gateway().url}${path}`;
  return new Promise((resolve, reject) => {
    const req = request(url, { ca: gateway().caPem, headers: token ? { authorization: `Bearer ${token}` } : {} }, (res) => {
      let text = "";
      res.setEncoding("utf8").on("data", (d: string) => (text += d)).on("end", () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> }));
    });
    req.on("error", reject);
    req.end();
  });
}

test.run();
