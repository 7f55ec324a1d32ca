import { readFileSync } from "node:fs";
import { request } from "node:https";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readBody } from "../../engine/actions/kubernetes/object-fields.js";
import type { KubernetesAction } from "../../engine/actions/kubernetes/index.js";
import { kubeGatewayForSuite } from "../support/kube-gateway.js";

// Protobuf bodies of the kinds that hold a pod spec are read with the API's own schema, and the real
// apiserver is the oracle: it encodes each object as protobuf and as JSON, and the gateway must find
// the same pod-security fields in both. Then kubectl's own protobuf writes go through the gateway.

const gateway = kubeGatewayForSuite(test);
const PROTOBUF = "application/vnd.kubernetes.protobuf";

/** One request as the cluster admin, answered as bytes. */
function admin(method: string, path: string, body: unknown, accept: string): Promise<{ status: number; body: Buffer }> {
  const { cluster } = gateway();
  const payload = Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, cluster.url), { method, ca: cluster.caPem, headers: { authorization: `Bearer ${cluster.tokens.admin}`, accept, "content-type": "application/json", "content-length": payload.length } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
    });
    req.on("error", reject);
    req.end(payload);
  });
}

const risky = {
  serviceAccountName: "builder",
  hostNetwork: true,
  hostPID: true,
  hostIPC: true,
  securityContext: { runAsUser: 0 },
  volumes: [{ name: "root", hostPath: { path: "/var/run/docker.sock" } }, { name: "tmp", emptyDir: {} }],
  initContainers: [{ name: "init", image: "registry.invalid/init:2", securityContext: { privileged: true } }],
  containers: [
    { name: "app", image: "registry.invalid/app:1", securityContext: { allowPrivilegeEscalation: true, capabilities: { add: ["NET_ADMIN", "SYS_TIME"], drop: ["ALL"] }, runAsNonRoot: false } },
    { name: "side", image: "registry.invalid/side:3", ports: [{ containerPort: 8080 }], resources: { limits: { cpu: "100m", memory: "64Mi" } } },
  ],
};
const plain = { containers: [{ name: "app", image: "registry.invalid/app:1" }] };
const template = (spec: unknown) => ({ metadata: { labels: { app: "x" } }, spec });

const objects: Array<{ path: string; resource: { group: string; version: string; resource: string }; object: Record<string, unknown> }> = [
  { path: "/api/v1/namespaces/team-a/pods", resource: { group: "", version: "v1", resource: "pods" }, object: { apiVersion: "v1", kind: "Pod", metadata: { name: "risky" }, spec: risky } },
  { path: "/api/v1/namespaces/team-a/pods", resource: { group: "", version: "v1", resource: "pods" }, object: { apiVersion: "v1", kind: "Pod", metadata: { name: "plain" }, spec: plain } },
  { path: "/apis/apps/v1/namespaces/team-a/deployments", resource: { group: "apps", version: "v1", resource: "deployments" }, object: { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web" }, spec: { replicas: 0, selector: { matchLabels: { app: "x" } }, template: template(risky) } } },
  { path: "/apis/apps/v1/namespaces/team-a/daemonsets", resource: { group: "apps", version: "v1", resource: "daemonsets" }, object: { apiVersion: "apps/v1", kind: "DaemonSet", metadata: { name: "agent" }, spec: { selector: { matchLabels: { app: "x" } }, template: template(risky) } } },
  { path: "/apis/apps/v1/namespaces/team-a/statefulsets", resource: { group: "apps", version: "v1", resource: "statefulsets" }, object: { apiVersion: "apps/v1", kind: "StatefulSet", metadata: { name: "db" }, spec: { replicas: 3, serviceName: "db", selector: { matchLabels: { app: "x" } }, template: template(plain) } } },
  { path: "/apis/apps/v1/namespaces/team-a/replicasets", resource: { group: "apps", version: "v1", resource: "replicasets" }, object: { apiVersion: "apps/v1", kind: "ReplicaSet", metadata: { name: "rs" }, spec: { replicas: 2, selector: { matchLabels: { app: "x" } }, template: template(risky) } } },
  { path: "/apis/batch/v1/namespaces/team-a/jobs", resource: { group: "batch", version: "v1", resource: "jobs" }, object: { apiVersion: "batch/v1", kind: "Job", metadata: { name: "once" }, spec: { template: template({ ...risky, restartPolicy: "Never" }) } } },
  { path: "/apis/batch/v1/namespaces/team-a/cronjobs", resource: { group: "batch", version: "v1", resource: "cronjobs" }, object: { apiVersion: "batch/v1", kind: "CronJob", metadata: { name: "nightly" }, spec: { schedule: "0 3 * * *", jobTemplate: { spec: { template: template({ ...risky, restartPolicy: "OnFailure" }) } } } } },
  { path: "/api/v1/namespaces/team-a/replicationcontrollers", resource: { group: "", version: "v1", resource: "replicationcontrollers" }, object: { apiVersion: "v1", kind: "ReplicationController", metadata: { name: "rc" }, spec: { replicas: 1, selector: { app: "x" }, template: template(risky) } } },
  { path: "/api/v1/namespaces/team-a/podtemplates", resource: { group: "", version: "v1", resource: "podtemplates" }, object: { apiVersion: "v1", kind: "PodTemplate", metadata: { name: "tpl" }, template: template(risky) } },
];

test("every pod-spec kind: the apiserver's protobuf and JSON encodings of one object read as the same fields", async () => {
  for (const { path, resource, object } of objects) {
    // A dry run answers with the object as the apiserver would store it (defaults set), in the encoding asked for.
    const json = await admin("POST", `${path}?dryRun=All`, object, "application/json");
    assert.is(json.status, 201, `${path}: ${json.body.toString()}`);
    const proto = await admin("POST", `${path}?dryRun=All`, object, PROTOBUF);
    assert.is(proto.status, 201, `${path}: ${proto.body.toString()}`);
    assert.ok(proto.body.subarray(0, 4).equals(Buffer.from("k8s\0")), `${path} answered protobuf`);
    const fromJson = readBody("POST", "application/json", json.body.toString("utf8"), { ...resource, subresource: "" });
    const fromProto = readBody("POST", PROTOBUF, proto.body, { ...resource, subresource: "" });
    assert.ok(fromJson.ok && fromProto.ok, `${path}: ${JSON.stringify([fromJson, fromProto])}`);
    assert.equal(fromProto.ok && fromProto.fields, fromJson.ok && fromJson.fields, `${object.kind as string}`);
  }
  // And the fields are the ones the object holds (the oracle compares like with like; this pins what "like" is).
  const risk = readBody("POST", PROTOBUF, (await admin("POST", "/apis/batch/v1/namespaces/team-a/cronjobs?dryRun=All", objects[7]!.object, PROTOBUF)).body, { group: "batch", version: "v1", resource: "cronjobs", subresource: "" });
  assert.ok(risk.ok);
  if (risk.ok) {
    const f = risk.fields;
    assert.equal([f.kind, f.name, f.privileged, f.allow_privilege_escalation, f.host_paths, f.host_network, f.host_pid, f.host_ipc, f.added_capabilities, f.service_accounts, f.run_as_root], ["CronJob", "nightly", true, true, ["/var/run/docker.sock"], true, true, true, ["NET_ADMIN", "SYS_TIME"], ["builder"], true]);
    assert.equal(f.images, ["registry.invalid/app:1", "registry.invalid/init:2", "registry.invalid/side:3"]);
  }
});

/** The gateway's decided actions for writes, from its audit log. */
function decidedWrites(): KubernetesAction[] {
  return readFileSync(join(gateway().dir, "audit.log"), "utf8").trim().split("\n").map((line) => (JSON.parse(line) as { event: { type: string; action?: KubernetesAction } }).event).filter((e) => e.type === "decision" && e.action?.kind === "kubernetes" && e.action.verb === "create").map((e) => e.action!);
}

test("kubectl create deployment and create job send protobuf; the gateway reads it and decides on what it holds", async () => {
  const ns = gateway().cluster.namespace;
  const deployment = await gateway().kubectl(["create", "deployment", "proto-web", "-n", ns, "--image=registry.invalid/web:2"]);
  assert.is(deployment.code, 0, deployment.stderr);
  const job = await gateway().kubectl(["create", "job", "proto-job", "-n", ns, "--image=registry.invalid/job:3"]);
  assert.is(job.code, 0, job.stderr);
  const writes = decidedWrites();
  const byName = (name: string) => writes.find((a) => a.object?.name === name);
  assert.equal([byName("proto-web")?.content_type, byName("proto-web")?.object?.kind, byName("proto-web")?.object?.images], [PROTOBUF, "Deployment", ["registry.invalid/web:2"]]);
  assert.equal([byName("proto-job")?.content_type, byName("proto-job")?.object?.kind, byName("proto-job")?.object?.images], [PROTOBUF, "Job", ["registry.invalid/job:3"]]);
});

test("a privileged pod in protobuf is refused by the policy, as in JSON", async () => {
  const pod = { apiVersion: "v1", kind: "Pod", metadata: { name: "proto-priv" }, spec: { containers: [{ name: "app", image: "registry.invalid/app:1", securityContext: { privileged: true } }] } };
  const encoded = await admin("POST", `/api/v1/namespaces/${gateway().cluster.namespace}/pods?dryRun=All`, pod, PROTOBUF);
  assert.is(encoded.status, 201);
  const token = await gateway().token();
  const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request(`${gateway().url}/api/v1/namespaces/${gateway().cluster.namespace}/pods`, { method: "POST", ca: gateway().caPem, headers: { authorization: `Bearer ${token}`, "content-type": PROTOBUF, accept: "application/json", "content-length": encoded.body.length } }, (res) => {
      let text = "";
      res.setEncoding("utf8").on("data", (d: string) => (text += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on("error", reject);
    req.end(encoded.body);
  });
  assert.is(answer.status, 403, answer.body);
  assert.match(answer.body, /privileged/);
  const stored = await gateway().cluster.api("admin", "GET", `/api/v1/namespaces/${gateway().cluster.namespace}/pods/proto-priv`);
  assert.is(stored.status, 404, "nothing was created");
});

test.run();
