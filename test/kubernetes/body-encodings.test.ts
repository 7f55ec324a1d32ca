import { readFileSync } from "node:fs";
import { request } from "node:https";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readBody } from "../../engine/actions/kubernetes/object-fields.js";
import type { KubernetesAction } from "../../engine/actions/kubernetes/index.js";
import { kubeGatewayForSuite } from "../support/kube-gateway.js";

// Write bodies as the apiserver reads them, with the real apiserver as the oracle: it encodes each
// pod-spec kind as protobuf and as JSON and the gateway must find the same pod-security fields in
// both; bodies it would read differently from a plain parse (a member or field sent twice, which Go
// merges) are refused. Then kubectl's own protobuf writes go through the gateway.

const gateway = kubeGatewayForSuite(test);
const PROTOBUF = "application/vnd.kubernetes.protobuf";

/** One POST of exact bytes to `url` with a bearer token, answered as bytes (and as text). */
function post(url: string, caPem: string, token: string, body: Buffer | string, contentType: string, accept = "application/json"): Promise<{ status: number; body: Buffer; text: string }> {
  const payload = typeof body === "string" ? Buffer.from(body) : body;
  return new Promise((resolve, reject) => {
    const req = request(url, { method: "POST", ca: caPem, headers: { authorization: `Bearer ${token}`, accept, "content-type": contentType, "content-length": payload.length } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const bytes = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, body: bytes, text: bytes.toString("utf8") });
      });
    });
    req.on("error", reject);
    req.end(payload);
  });
}

/** A POST straight to the apiserver as the cluster admin (the oracle), with a body already encoded. */
function adminPost(path: string, body: Buffer | string, contentType: string, accept = "application/json"): Promise<{ status: number; body: Buffer; text: string }> {
  const { cluster } = gateway();
  return post(new URL(path, cluster.url).href, cluster.caPem, cluster.tokens.admin, body, contentType, accept);
}

/** An object POSTed as JSON to the apiserver as the cluster admin, answered in `accept`. */
function admin(path: string, object: unknown, accept: string): Promise<{ status: number; body: Buffer; text: string }> {
  return adminPost(path, JSON.stringify(object), "application/json", accept);
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
    const json = await admin(`${path}?dryRun=All`, object, "application/json");
    assert.is(json.status, 201, `${path}: ${json.body.toString()}`);
    const proto = await admin(`${path}?dryRun=All`, object, PROTOBUF);
    assert.is(proto.status, 201, `${path}: ${proto.body.toString()}`);
    assert.ok(proto.body.subarray(0, 4).equals(Buffer.from("k8s\0")), `${path} answered protobuf`);
    const fromJson = readBody("POST", "application/json", json.body.toString("utf8"), { ...resource, subresource: "" });
    const fromProto = readBody("POST", PROTOBUF, proto.body, { ...resource, subresource: "" });
    assert.ok(fromJson.ok && fromProto.ok, `${path}: ${JSON.stringify([fromJson, fromProto])}`);
    assert.equal(fromProto.ok && fromProto.fields, fromJson.ok && fromJson.fields, `${object.kind as string}`);
  }
  // And the fields are the ones the object holds (the oracle compares like with like; this pins what "like" is).
  const risk = readBody("POST", PROTOBUF, (await admin("/apis/batch/v1/namespaces/team-a/cronjobs?dryRun=All", objects[7]!.object, PROTOBUF)).body, { group: "batch", version: "v1", resource: "cronjobs", subresource: "" });
  assert.ok(risk.ok);
  if (risk.ok) {
    const f = risk.fields;
    assert.equal([f.kind, f.name, f.privileged, f.allow_privilege_escalation, f.host_paths, f.host_network, f.host_pid, f.host_ipc, f.added_capabilities, f.service_accounts, f.run_as_root], ["CronJob", "nightly", true, true, ["/var/run/docker.sock"], true, true, true, ["NET_ADMIN", "SYS_TIME"], ["builder"], true]);
    assert.equal(f.images, ["registry.invalid/app:1", "registry.invalid/init:2", "registry.invalid/side:3"]);
  }
});

test("a JSON pod naming spec twice is refused: the apiserver merges the two into a privileged pod on the host network", async () => {
  const ns = gateway().cluster.namespace;
  const body = '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"twice"},"spec":{"hostNetwork":true,"containers":[{"name":"a","image":"x","securityContext":{"privileged":true}}]},"spec":{"containers":[{"name":"b","image":"y"}]}}';
  const merged = (await adminPost(`/api/v1/namespaces/${ns}/pods?dryRun=All`, body, "application/json")).text;
  const spec = (JSON.parse(merged) as { spec: { hostNetwork?: boolean; containers: Array<{ name: string; securityContext?: { privileged?: boolean } }> } }).spec;
  assert.equal([spec.hostNetwork, spec.containers.map((c) => [c.name, c.securityContext?.privileged])], [true, [["b", true]]], merged);
  // What a plain JSON.parse sees: neither.
  assert.equal((JSON.parse(body) as { spec: unknown }).spec, { containers: [{ name: "b", image: "y" }] });
  assert.equal(readBody("POST", "application/json", body, { group: "", version: "v1", resource: "pods", subresource: "" }), { ok: false, message: 'the body names "spec" twice in one object, which the apiserver would merge and the gateway does not' });
});

/** POSTs a YAML pod as a dry run, as the admin: the pod the apiserver would store, or undefined when it refuses the body. */
async function yamlDryRun(yaml: string): Promise<{ hostNetwork?: boolean; securityContext?: { runAsUser?: number } } | undefined> {
  const answer = await adminPost(`/api/v1/namespaces/${gateway().cluster.namespace}/pods?dryRun=All`, yaml, "application/yaml");
  return answer.status === 201 ? (JSON.parse(answer.text) as { spec: { hostNetwork?: boolean; securityContext?: { runAsUser?: number } } }).spec : undefined;
}

test("YAML scalars are read as the apiserver reads them (yes/on/y are true, 0o0 and 0X0 are 0, << merges) or refused", async () => {
  let n = 0;
  const pod = (spec: string): string => `apiVersion: v1\nkind: Pod\nmetadata: {name: yaml-${n++}}\nspec:\n${spec}  containers:\n  - {name: a, image: x}\n`;
  const asPod = { group: "", version: "v1", resource: "pods", subresource: "" };
  // Where the apiserver stores the pod, the gateway reads the same value or refuses the body (a
  // refusal is decided as a parse error: denied). These must be read, not refused:
  const plainForms = new Set(["y", "yes", "on", "ON", "true", "True", "n", "no", "off", "false", "0", "00", "0x0", "0o0", "0O0", "0B0", "0X0", "-0o0", "+0x0", "0_0", "0.0", "1000"]);
  for (const value of ["y", "Y", "yes", "Yes", "YES", "on", "On", "ON", "true", "True", "TRUE", "tRue", "n", "no", "off", "false", "1", "'yes'", '"on"', "!!bool yes", "!!str true", "~"]) {
    const yaml = pod(`  hostNetwork: ${value}\n`);
    const stored = await yamlDryRun(yaml);
    if (stored === undefined) continue; // the apiserver refuses it: nothing to agree on
    const read = readBody("POST", "application/yaml", yaml, asPod);
    if (plainForms.has(value)) assert.ok(read.ok, `${value}: ${JSON.stringify(read)}`);
    if (read.ok) assert.is(read.fields.host_network, stored.hostNetwork === true, `hostNetwork: ${value}`);
  }
  for (const value of ["0", "00", "0x0", "0X0", "0o0", "0O0", "-0o0", "0o_0", "0x_0", "-0", "+0", "0b0", "0B0", "0_0", "1_0", "0e0", "0.0", ".0", "-.0", "0.", "!!int 0", "!!float 0", "'0'", "1000", "0:0", "~"]) {
    const yaml = pod(`  securityContext: {runAsUser: ${value}}\n`);
    const stored = await yamlDryRun(yaml);
    if (stored === undefined) continue;
    const read = readBody("POST", "application/yaml", yaml, asPod);
    if (plainForms.has(value)) assert.ok(read.ok, `${value}: ${JSON.stringify(read)}`);
    if (read.ok) assert.is(read.fields.run_as_root, stored.securityContext?.runAsUser === 0, `runAsUser: ${value}`);
  }
  const merged = `apiVersion: v1\nkind: Pod\nmetadata: {name: yaml-merge}\nspec:\n  containers:\n  - &base {name: a, image: x, securityContext: {privileged: on}}\n  - <<: *base\n    name: b\n`;
  const read = readBody("POST", "application/yaml", merged, asPod);
  assert.ok(read.ok && read.fields.privileged && read.fields.images.length === 2, JSON.stringify(read));
});

/** Reads a protobuf varint at `at`: its value and where the next byte is. */
function varint(bytes: Buffer, at: number): [number, number] {
  let value = 0;
  for (let shift = 0; ; shift += 7) {
    const byte = bytes[at++]!;
    value += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) return [value, at];
  }
}

/** The envelope's raw object bytes (runtime.Unknown field 2) and everything around them. */
function splitEnvelope(body: Buffer): { before: Buffer; raw: Buffer; after: Buffer } {
  let at = 4;
  for (;;) {
    const [tag, afterTag] = varint(body, at);
    const [length, start] = varint(body, afterTag);
    if (tag >>> 3 === 2) return { before: body.subarray(0, at), raw: body.subarray(start, start + length), after: body.subarray(start + length) };
    at = start + length;
  }
}

function lengthDelimited(field: number, bytes: Buffer): Buffer {
  const out: number[] = [(field << 3) | 2];
  for (let n = bytes.length; ; n = Math.floor(n / 128)) {
    if (n < 128) {
      out.push(n);
      break;
    }
    out.push((n & 0x7f) | 0x80);
  }
  return Buffer.concat([Buffer.from(out), bytes]);
}

test("a pod whose spec is sent twice is refused: the apiserver merges the two, a last-wins reader would see only the second", async () => {
  const ns = gateway().cluster.namespace;
  const encode = async (name: string, securityContext: unknown) => (await admin(`/api/v1/namespaces/${ns}/pods?dryRun=All`, { apiVersion: "v1", kind: "Pod", metadata: { name }, spec: { containers: [{ name, image: `registry.invalid/${name}:1`, securityContext }] } }, PROTOBUF)).body;
  const evil = splitEnvelope(await encode("evil", { privileged: true }));
  const benign = splitEnvelope(await encode("benign", {}));
  // The evil pod's raw bytes followed by the benign one's: every field of the object twice.
  const smuggled = Buffer.concat([evil.before, lengthDelimited(2, Buffer.concat([evil.raw, benign.raw])), evil.after]);
  // The oracle: the apiserver reads both specs into one pod, privileged container included.
  const merged = (await adminPost(`/api/v1/namespaces/${ns}/pods?dryRun=All`, smuggled, PROTOBUF)).text;
  const containers = (JSON.parse(merged) as { spec: { containers: Array<{ name: string; securityContext?: { privileged?: boolean } }> } }).spec.containers;
  assert.equal(containers.map((c) => [c.name, c.securityContext?.privileged ?? false]), [["evil", true], ["benign", false]]);
  const read = readBody("POST", PROTOBUF, smuggled, { group: "", version: "v1", resource: "pods", subresource: "" });
  assert.equal(read, { ok: false, message: "the protobuf body sets metadata more than once, which the apiserver would merge and the gateway does not" });
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
  const encoded = await admin(`/api/v1/namespaces/${gateway().cluster.namespace}/pods?dryRun=All`, pod, PROTOBUF);
  assert.is(encoded.status, 201);
  const token = await gateway().token();
  const answer = await post(`${gateway().url}/api/v1/namespaces/${gateway().cluster.namespace}/pods`, gateway().caPem, token, encoded.body, PROTOBUF);
  assert.is(answer.status, 403, answer.text);
  assert.match(answer.text, /privileged/);
  const stored = await gateway().cluster.api("admin", "GET", `/api/v1/namespaces/${gateway().cluster.namespace}/pods/proto-priv`);
  assert.is(stored.status, 404, "nothing was created");
});

test.run();
