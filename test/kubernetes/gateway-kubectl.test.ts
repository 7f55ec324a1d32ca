import { randomBytes } from "node:crypto";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { KUBE_ALICE, startKubeGateway, type KubeGateway } from "../support/kube-gateway.js";

// Unchanged kubectl against the gateway in front of a real apiserver: what alice sees.

let kgw: KubeGateway;
const POD = "web-1";

test.before(async () => {
  try {
    kgw = await startKubeGateway();
    const { cluster } = kgw;
    const res = await cluster.api("admin", "POST", `/api/v1/namespaces/${cluster.namespace}/pods`, {
      apiVersion: "v1", kind: "Pod", metadata: { name: POD, namespace: cluster.namespace },
      spec: { nodeName: cluster.nodeName, containers: [{ name: "app", image: "registry.invalid/app:1" }] },
    });
    assert.is(res.status, 201, res.body);
    const ready = await cluster.kubectl("admin", ["wait", "-n", cluster.namespace, `pod/${POD}`, "--for=jsonpath={.status.phase}=Running", "--timeout=30s"]);
    assert.is(ready.code, 0, ready.stderr);
  } catch (error) {
    console.error("the gateway or cluster did not start:", error);
    throw error;
  }
});

test.after(async () => {
  await kgw?.stop();
});

test("kubectl get pods through the gateway is authorized as alice", async () => {
  const got = await kgw.kubectl(["get", "pods", "-n", kgw.cluster.namespace, "-o", "name"]);
  assert.equal([got.code, got.stdout.trim()], [0, `pod/${POD}`], got.stderr);
  // alice may not list pods elsewhere: the apiserver says so, as alice
  const other = await kgw.kubectl(["get", "pods", "-n", "default"]);
  assert.is(other.code, 1);
  assert.match(other.stderr, `User "alice" cannot list resource "pods" in API group "" in the namespace "default"`);
});

test("apply creates, a second apply configures, delete deletes", async () => {
  const name = `cm-${randomBytes(3).toString("hex")}`;
  const cm = (value: string) => JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: kgw.cluster.namespace }, data: { k: value } });
  const created = await kgw.kubectl(["apply", "-f", "-"], { input: cm("1") });
  assert.is(created.code, 0, created.stderr);
  assert.match(created.stdout, `configmap/${name} created`);
  const changed = await kgw.kubectl(["apply", "-f", "-"], { input: cm("2") });
  assert.match(changed.stdout, `configmap/${name} configured`, changed.stderr);
  const value = await kgw.kubectl(["get", "configmap", name, "-n", kgw.cluster.namespace, "-o", "jsonpath={.data.k}"]);
  assert.is(value.stdout, "2");
  const deleted = await kgw.kubectl(["delete", "configmap", name, "-n", kgw.cluster.namespace]);
  assert.match(deleted.stdout, `configmap "${name}" deleted`, deleted.stderr);
});

test("a request the policy denies is a kubectl error carrying the policy's reason", async () => {
  const pod = { apiVersion: "v1", kind: "Pod", metadata: { name: "root", namespace: kgw.cluster.namespace }, spec: { nodeName: kgw.cluster.nodeName, containers: [{ name: "c", image: "x", securityContext: { privileged: true } }] } };
  const denied = await kgw.kubectl(["apply", "-f", "-"], { input: JSON.stringify(pod) });
  assert.is(denied.code, 1);
  assert.match(denied.stderr, "Error from server (Forbidden)");
  assert.match(denied.stderr, "Portcullis denied this request: pods: a privileged container is for admins only");
  const exec = await kgw.kubectl(["exec", "-n", kgw.cluster.namespace, POD, "--", "cat", "/etc/shadow"]);
  assert.is(exec.code, 1);
  assert.match(exec.stderr, "cat reads /etc/shadow, which holds secrets");
});

test("exec without a tty: output, stdin and the command's failure", async () => {
  const echo = await kgw.kubectl(["exec", "-n", kgw.cluster.namespace, POD, "--", "echo", "hi"]);
  assert.equal(echo, { code: 0, stdout: "hi\n", stderr: "" });
  const input = `m-${randomBytes(6).toString("hex")}`;
  const head = await kgw.kubectl(["exec", "-i", "-n", kgw.cluster.namespace, POD, "--", "head", "-c", String(input.length)], { input });
  assert.equal(head, { code: 0, stdout: input, stderr: "" });
});

test("client impersonation headers are refused", async () => {
  const asBob = await kgw.kubectl(["get", "pods", "-n", kgw.cluster.namespace, "--as", "bob"]);
  assert.is(asBob.code, 1);
  assert.match(asBob.stderr, "impersonating another user or group through the gateway is not allowed");
});

test("a request without a token, or with a bad one, is 401 and never reaches the apiserver", async () => {
  const res = await fetchGateway("/api/v1/namespaces/team-a/pods", undefined);
  assert.is(res.status, 401);
  assert.equal([res.body.kind, res.body.reason], ["Status", "Unauthorized"]);
  const bad = await fetchGateway("/api/v1/namespaces/team-a/pods", "not-a-token");
  assert.is(bad.status, 401);
  const good = await fetchGateway("/api/v1/namespaces/team-a/pods", await kgw.token(KUBE_ALICE));
  assert.is(good.status, 200);
});

async function fetchGateway(path: string, token: string | undefined): Promise<{ status: number; body: Record<string, unknown> }> {
  const { request } = await import("node:https");
  return new Promise((resolve, reject) => {
    const req = request(`${kgw.url}${path}`, { ca: kgw.caPem, headers: token ? { authorization: `Bearer ${token}` } : {} }, (res) => {
      let text = "";
      res.setEncoding("utf8").on("data", (d: string) => (text += d)).on("end", () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> }));
    });
    req.on("error", reject);
    req.end();
  });
}

test.run();
