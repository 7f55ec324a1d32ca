import { randomBytes } from "node:crypto";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { startKubeCluster, waitForAuditEvents, type RunningKubeCluster } from "../support/kube-cluster.js";
import type { Running } from "../support/run.js";
import { echoThroughPortForward, marker, until } from "../support/kube-streams.js";

// The test cluster itself, checked against the real programs: what the Kubernetes gateway's tests
// will rely on (kwok running pods, impersonation as RBAC sees it, exec/logs/port-forward streams
// through the apiserver, and the audit log as the record of each request).

let cluster: RunningKubeCluster;
const POD = "web-1";
/** kubectl as the gateway acting for alice, the way the gateway will forward her requests. */
const asAlice = ["--as", "alice", "--as-group", "dev"];

test.before(async () => {
  // uvu reports a failing hook only as failed tests, without the reason: print it.
  try {
    const started = Date.now();
    cluster = await startKubeCluster();
    console.log(`# cluster ready in ${Date.now() - started} ms`);
    const res = await cluster.api("admin", "POST", `/api/v1/namespaces/${cluster.namespace}/pods`, pod(POD, cluster.namespace, cluster.nodeName));
    assert.is(res.status, 201, res.body);
    const ready = await cluster.kubectl("admin", ["wait", "-n", cluster.namespace, `pod/${POD}`, "--for=jsonpath={.status.phase}=Running", "--timeout=30s"]);
    assert.is(ready.code, 0, ready.stderr);
  } catch (error) {
    console.error("the test cluster did not start:", error);
    throw error;
  }
});

test.after(async () => {
  await cluster?.stop();
});

function pod(name: string, namespace: string, nodeName: string): unknown {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace },
    spec: { nodeName, containers: [{ name: "app", image: "registry.invalid/app:1" }] },
  };
}

test("kubectl as admin creates a namespace and a pod that kwok brings to Running on the fake node", async () => {
  const ns = `sandbox-${randomBytes(3).toString("hex")}`;
  const created = await cluster.kubectl("admin", ["create", "namespace", ns]);
  assert.is(created.code, 0, created.stderr);
  const applied = await cluster.kubectl("admin", ["apply", "-f", "-"], JSON.stringify(pod("hello", ns, cluster.nodeName)));
  assert.is(applied.code, 0, applied.stderr);
  assert.match(applied.stdout, "pod/hello created");
  const waited = await cluster.kubectl("admin", ["wait", "-n", ns, "pod/hello", "--for=condition=Ready", "--timeout=30s"]);
  assert.is(waited.code, 0, waited.stderr);
  const phase = await cluster.kubectl("admin", ["get", "pod", "hello", "-n", ns, "-o", "jsonpath={.status.phase} {.spec.nodeName} {.status.podIP}"]);
  assert.is(phase.code, 0, phase.stderr);
  assert.match(phase.stdout, new RegExp(`^Running ${cluster.nodeName} 10\\.244\\.\\d+\\.\\d+$`));
});

test("the gateway impersonating alice is authorized as alice (with her group), not as itself", async () => {
  const canI = async (args: string[]): Promise<string> => {
    const result = await cluster.kubectl("gateway", ["auth", "can-i", ...args]);
    // can-i exits 0 for yes and 1 for no; anything else is an error, not an answer.
    assert.ok(result.code === 0 || result.code === 1, `${args.join(" ")}: ${result.stderr}`);
    return result.stdout.trim();
  };
  const ns = ["-n", cluster.namespace];
  assert.is(await canI(["list", "pods", ...ns, ...asAlice]), "yes");
  assert.is(await canI(["create", "pods/exec", ...ns, ...asAlice]), "yes");
  assert.is(await canI(["list", "secrets", ...ns, ...asAlice]), "no");
  assert.is(await canI(["list", "pods", "-n", "default", ...asAlice]), "no");
  // Services are readable through group dev only: the impersonated group counts.
  assert.is(await canI(["list", "services", ...ns, ...asAlice]), "yes");
  assert.is(await canI(["list", "services", ...ns, "--as", "alice"]), "no");
  // The gateway itself may impersonate, and nothing else.
  assert.is(await canI(["impersonate", "users"]), "yes");
  assert.is(await canI(["impersonate", "serviceaccounts"]), "no");
  assert.is(await canI(["list", "pods", ...ns]), "no");
});

test("the gateway without impersonation cannot list secrets", async () => {
  const result = await cluster.kubectl("gateway", ["get", "secrets", "-n", cluster.namespace]);
  assert.is.not(result.code, 0);
  assert.match(result.stderr, `User "portcullis-gateway" cannot list resource "secrets"`);
  const asAdmin = await cluster.kubectl("admin", ["get", "secrets", "-n", cluster.namespace]);
  assert.is(asAdmin.code, 0, asAdmin.stderr);
});

test("kubectl exec runs the command locally through the apiserver: output, stdin and exit status", async () => {
  const echo = await cluster.kubectl("gateway", [...asAlice, "exec", "-n", cluster.namespace, POD, "--", "echo", "hi"]);
  assert.equal(echo, { code: 0, stdout: "hi\n", stderr: "" });
  const where = await cluster.kubectl("gateway", [...asAlice, "exec", "-n", cluster.namespace, POD, "--", "pwd"]);
  assert.is(where.stdout.trim(), cluster.execWorkDir);
  // kwok v0.8.0 copies stdin into the command but never closes the pipe (pkg/utils/exec/exec.go), so
  // a command that reads to EOF (`cat`) never ends: read a known number of bytes instead.
  const input = marker();
  const head = await cluster.kubectl("gateway", [...asAlice, "exec", "-i", "-n", cluster.namespace, POD, "--", "head", "-c", String(input.length)], input);
  assert.equal(head, { code: 0, stdout: input, stderr: "" });
  // A real kubelet reports a non-zero exit in the stream's status and kubectl exits with it; kwok
  // answers an internal error naming the status instead, and kubectl exits 1.
  const failed = await cluster.kubectl("gateway", [...asAlice, "exec", "-n", cluster.namespace, POD, "--", "sh", "-c", "echo oops >&2; exit 3"]);
  assert.is(failed.code, 1, failed.stderr);
  assert.match(failed.stderr, "oops");
  assert.match(failed.stderr, "exit status 3");
});

test("kubectl logs prints the pod log and logs -f streams lines as they are written", async () => {
  const [first, second, third] = [marker(), marker(), marker()];
  cluster.appendPodLog([first, second]);
  const logs = await cluster.kubectl("gateway", [...asAlice, "logs", "-n", cluster.namespace, POD]);
  assert.is(logs.code, 0, logs.stderr);
  assert.match(logs.stdout, `${first}\n${second}\n`);
  let follow: Running | undefined;
  try {
    follow = cluster.startKubectl("gateway", [...asAlice, "logs", "-f", "--tail=1", "-n", cluster.namespace, POD]);
    const running = follow;
    await until(`logs -f to print ${second}`, () => running.stdout().includes(second));
    assert.not.match(running.stdout(), third);
    cluster.appendPodLog([third]);
    await until(`logs -f to print ${third} after it was written`, () => running.stdout().includes(third), 5_000);
  } finally {
    follow?.kill("SIGTERM");
    await follow?.done;
  }
});

test("kubectl attach streams what the container writes after it attaches", async () => {
  const [before, after] = [marker(), marker()];
  cluster.appendPodLog([before]);
  const attach = cluster.startKubectl("gateway", [...asAlice, "attach", "-n", cluster.namespace, POD]);
  try {
    // kubectl prints its banner before the stream is set up, and kwok follows the file only from
    // where it was when the stream began: write probes until one arrives, then one more line.
    const probe = marker();
    await until("attach to stream a probe line", () => {
      if (attach.stdout().includes(probe)) return true;
      cluster.appendPodLog([probe]);
      return false;
    }, 10_000);
    cluster.appendPodLog([after]);
    await until(`attach to print ${after}`, () => attach.stdout().includes(after), 5_000);
    assert.not.match(attach.stdout(), before);
  } finally {
    attach.kill("SIGTERM");
    await attach.done;
  }
});

test("a WebSocket exec is authorized as create on pods/exec: get alone is refused", async () => {
  const rbac = `/apis/rbac.authorization.k8s.io/v1/namespaces/${cluster.namespace}`;
  const role = await cluster.api("admin", "POST", `${rbac}/roles`, {
    apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role", metadata: { name: "exec-get-only" },
    rules: [{ apiGroups: [""], resources: ["pods"], verbs: ["get"] }, { apiGroups: [""], resources: ["pods/exec"], verbs: ["get"] }],
  });
  assert.is(role.status, 201, role.body);
  const binding = await cluster.api("admin", "POST", `${rbac}/rolebindings`, {
    apiVersion: "rbac.authorization.k8s.io/v1", kind: "RoleBinding", metadata: { name: "exec-get-only" },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "exec-get-only" },
    subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: "getter" }],
  });
  assert.is(binding.status, 201, binding.body);
  const exec = await cluster.kubectl("gateway", ["--as", "getter", "exec", "-n", cluster.namespace, POD, "--", "echo", "hi"]);
  assert.is.not(exec.code, 0);
  assert.match(exec.stderr, `User "getter" cannot create resource "pods/exec"`);
});

test("kubectl port-forward reaches the pod's stand-in (an echo server) through the apiserver", async () => {
  const forward = cluster.startKubectl("gateway", [...asAlice, "port-forward", "-n", cluster.namespace, `pod/${POD}`, ":8080"]);
  try {
    const { sent, echoed } = await echoThroughPortForward(forward);
    assert.is(echoed, sent);
  } finally {
    forward.kill("SIGTERM");
    await forward.done;
  }
});

test("the audit log records each request with the gateway as user and alice as impersonated user", async () => {
  const input = marker();
  const exec = await cluster.kubectl("gateway", [...asAlice, "exec", "-n", cluster.namespace, POD, "--", "echo", input]);
  assert.is(exec.code, 0, exec.stderr);
  const events = await waitForAuditEvents(cluster.auditLogPath, (e) => e.stage === "ResponseComplete" && e.objectRef?.subresource === "exec" && e.requestURI.includes(input));
  assert.is(events.length, 1, JSON.stringify(events));
  const event = events[0]!;
  assert.equal(event.user, { username: "portcullis-gateway", uid: "portcullis-gateway", groups: ["system:authenticated"] });
  assert.is(event.impersonatedUser?.username, "alice");
  // The apiserver adds system:authenticated to the impersonated groups.
  assert.equal(event.impersonatedUser?.groups, ["dev", "system:authenticated"]);
  // kubectl's exec is a WebSocket upgrade: the audit event keeps the request's own verb, get (RBAC
  // is asked about create; the developer Role grants both). A gateway comparing its attributes with
  // the audit log must expect get here.
  assert.is(event.verb, "get");
  assert.is(event.responseStatus?.code, 101);
  assert.is(event.annotations?.["authorization.k8s.io/decision"], "allow");
  assert.equal(
    { resource: event.objectRef?.resource, namespace: event.objectRef?.namespace, name: event.objectRef?.name },
    { resource: "pods", namespace: cluster.namespace, name: POD },
  );
  assert.match(event.requestURI, `command=${input}`);

  const secret = marker();
  const refused = await cluster.kubectl("gateway", ["get", "secret", secret, "-n", cluster.namespace]);
  assert.is.not(refused.code, 0);
  const denied = await waitForAuditEvents(cluster.auditLogPath, (e) => e.stage === "ResponseComplete" && e.objectRef?.name === secret);
  assert.is(denied.length, 1, JSON.stringify(denied));
  assert.equal(
    { user: denied[0]!.user.username, impersonated: denied[0]!.impersonatedUser, verb: denied[0]!.verb, resource: denied[0]!.objectRef?.resource, code: denied[0]!.responseStatus?.code },
    { user: "portcullis-gateway", impersonated: undefined, verb: "get", resource: "secrets", code: 403 },
  );
});

test.run();
