import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { KubernetesAction } from "../../engine/actions/kubernetes/index.js";
import { readAuditLog, type AuditEvent } from "../support/kube-cluster.js";
import { kubeGatewayForSuite } from "../support/kube-gateway.js";
import { marker } from "../support/kube-streams.js";

// The server is the oracle: for a corpus of kubectl commands run through the gateway, the request
// attributes the gateway decided on must be the apiserver's own, as its audit log records them. The
// one documented difference: a WebSocket exec/attach/port-forward is a GET the audit log records as
// `get`, which the apiserver authorizes (and the gateway decides) as `create`.

const POD = "web-1";
const gateway = kubeGatewayForSuite(test, { pod: POD });

interface Decided {
  uri: string;
  method: string;
  action: KubernetesAction;
}

/** The gateway's decision records for kubernetes requests, by the URI they were forwarded with. */
function gatewayDecisions(): Decided[] {
  const lines = readFileSync(join(gateway().dir, "audit.log"), "utf8").trim().split("\n");
  const decided: Decided[] = [];
  for (const line of lines) {
    const { event } = JSON.parse(line) as { event: { type: string; request?: { kind: string; text: string }; action?: KubernetesAction; decision?: { allow: boolean } } };
    // Only what was forwarded reached the apiserver (an approval's decision allows once approved).
    if (event.type !== "decision" || event.request?.kind !== "kubernetes" || !event.action || event.decision?.allow !== true) continue;
    const [method, uri] = (event.request.text.split("\n", 1)[0] ?? "").split(" ");
    decided.push({ uri: uri!, method: method!, action: event.action });
  }
  return decided;
}

/** What the audit log says a request was, in the gateway's terms. */
function auditAttributes(event: AuditEvent): Record<string, string> {
  const ref = event.objectRef;
  if (!ref) return { verb: event.verb, path: event.requestURI.split("?")[0]! };
  return { verb: event.verb, group: ref.apiGroup ?? "", version: ref.apiVersion ?? "", resource: ref.resource ?? "", subresource: ref.subresource ?? "", namespace: ref.namespace ?? "", name: ref.name ?? "" };
}

function gatewayAttributes(decided: Decided): Record<string, string> {
  const a = decided.action;
  // The documented difference: an upgrade's GET is audited as get, decided as create.
  const verb = decided.method === "GET" && a.verb === "create" && ["exec", "attach", "portforward"].includes(a.subresource) ? "get" : a.verb;
  if (!a.resource_request) return { verb, path: a.path };
  // The audit log names a created object by its body's metadata.name, which the gateway has as
  // object.name (the request's own name, what RBAC is asked about, is empty for a create).
  const name = a.verb === "create" && a.subresource === "" ? (a.object?.name ?? "") : a.name;
  return { verb, group: a.group, version: a.version, resource: a.resource, subresource: a.subresource, namespace: a.namespace, name };
}

test("every request kubectl made through the gateway was decided with the apiserver's own attributes", async () => {
  const { cluster } = gateway();
  const ns = cluster.namespace;
  const cm = marker();
  const corpus: Array<{ args: string[]; input?: string; ok?: boolean }> = [
    { args: ["get", "pods", "-n", ns] },
    { args: ["get", "pod", POD, "-n", ns, "-o", "yaml"] },
    { args: ["get", "pods", "-n", ns, "--field-selector", `metadata.name=${POD}`, "-o", "name"] },
    { args: ["get", "pods", "-n", ns, "-l", "app=web", "-o", "json"] },
    { args: ["apply", "-f", "-"], input: JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: cm, namespace: ns }, data: { a: "1" } }) },
    { args: ["patch", "configmap", cm, "-n", ns, "--type", "merge", "-p", '{"data":{"b":"2"}}'] },
    { args: ["patch", "configmap", cm, "-n", ns, "--type", "json", "-p", '[{"op":"add","path":"/data/c","value":"3"}]'] },
    { args: ["label", "configmap", cm, "-n", ns, "tier=x"] },
    { args: ["create", "configmap", `${cm}-2`, "-n", ns, "--from-literal=k=v"] },
    { args: ["get", "configmaps", "-n", ns, "-l", "tier=x", "-o", "name"] },
    { args: ["delete", "configmap", cm, "-n", ns] },
    { args: ["delete", "--raw", `/api/v1/namespaces/${ns}/configmaps?labelSelector=none%3Dhere`], ok: false },
    { args: ["get", "--raw", `/api/v1/namespaces/${ns}/configmaps?watch=1&timeoutSeconds=1`] },
    { args: ["get", "--raw", `/api/v1/watch/namespaces/${ns}/pods?timeoutSeconds=1`] },
    { args: ["exec", "-n", ns, POD, "--", "echo", "hi"] },
    { args: ["logs", "-n", ns, POD] },
    { args: ["auth", "can-i", "list", "pods", "-n", ns] },
    { args: ["get", "--raw", "/version"] },
    { args: ["get", "namespace", ns], ok: false },
    { args: ["get", "secrets", "-n", ns], ok: false },
    { args: ["get", "deployments.apps", "-n", ns], ok: false },
    { args: ["get", "--raw", `/apis/apps/v1/namespaces/${ns}/deployments/nothere/scale`], ok: false },
  ];
  for (const { args, input, ok } of corpus) {
    const result = await gateway().kubectl(args, input === undefined ? {} : { input });
    if (ok !== false) assert.is(result.code, 0, `kubectl ${args.join(" ")}: ${result.stderr}`);
  }
  // The apiserver writes an event once its response completes: give the last ones a moment.
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const decided = gatewayDecisions();
  const audited = readAuditLog(cluster.auditLogPath).filter((e) => e.stage === "ResponseComplete" && e.impersonatedUser?.username === "alice");
  assert.ok(audited.length >= corpus.length, `only ${audited.length} audit events`);
  const mismatches: string[] = [];
  // The n-th audited request for a URI is the n-th one the gateway forwarded with it.
  const used = new Set<Decided>();
  for (const event of audited) {
    const match = decided.find((d) => d.uri === event.requestURI && !used.has(d));
    if (match) used.add(match);
    if (!match) {
      mismatches.push(`${event.verb} ${event.requestURI}: no gateway decision`);
      continue;
    }
    const expected = auditAttributes(event);
    const actual = gatewayAttributes(match);
    if (JSON.stringify(actual) !== JSON.stringify(expected)) mismatches.push(`${event.requestURI}: audit ${JSON.stringify(expected)} gateway ${JSON.stringify(actual)}`);
  }
  assert.equal(mismatches, []);
  // The corpus touched each kind of request the comparison is meant to cover.
  const verbs = new Set(audited.map((e) => e.verb));
  for (const verb of ["get", "list", "watch", "create", "patch", "delete", "deletecollection"]) assert.ok(verbs.has(verb), `no ${verb} in the corpus`);
});

test.run();
