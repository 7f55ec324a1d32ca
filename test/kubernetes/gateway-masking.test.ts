import { test } from "uvu";
import * as assert from "uvu/assert";
import { KUBE_ALICE, kubeGatewayForSuite } from "../support/kube-gateway.js";
import { marker, until } from "../support/kube-streams.js";
import type { Running } from "../support/run.js";

// Secret values are masked for alice (not a secret-reader) in every output kubectl has: the values,
// plain or base64, never reach her, whatever the format; a secret-reader sees them.

const gateway = kubeGatewayForSuite(test);
const PASSWORD = `pw-${marker()}`;
const ENCODED = Buffer.from(PASSWORD).toString("base64");
const READER = { ...KUBE_ALICE, groups: ["dev", "secret-readers"] };

test.before(async () => {
  const { cluster } = gateway();
  const ns = cluster.namespace;
  const rbac = `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}`;
  const created = [
    await cluster.api("admin", "POST", `${rbac}/roles`, { apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role", metadata: { name: "secret-reader" }, rules: [{ apiGroups: [""], resources: ["secrets"], verbs: ["get", "list", "watch", "patch"] }] }),
    await cluster.api("admin", "POST", `${rbac}/rolebindings`, { apiVersion: "rbac.authorization.k8s.io/v1", kind: "RoleBinding", metadata: { name: "alice-secret-reader" }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "secret-reader" }, subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: "alice" }] }),
    await cluster.api("admin", "POST", `/api/v1/namespaces/${ns}/secrets`, { apiVersion: "v1", kind: "Secret", metadata: { name: "db" }, data: { password: ENCODED }, stringData: { user: "app" } }),
  ];
  for (const res of created) assert.is(res.status, 201, res.body);
  // Applied with kubectl (as the admin, straight to the cluster): the Secret keeps its whole text,
  // values included, in its last-applied-configuration annotation.
  const applied = await cluster.kubectl("admin", ["apply", "-n", ns, "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "Secret", metadata: { name: "applied" }, data: { password: ENCODED } }));
  assert.is(applied.code, 0, applied.stderr);
});

test("a Secret applied with kubectl: its last-applied-configuration annotation, which holds the values, is masked too", async () => {
  const ns = gateway().cluster.namespace;
  const yaml = await gateway().kubectl(["get", "secret", "applied", "-n", ns, "-o", "yaml"]);
  assert.is(yaml.code, 0, yaml.stderr);
  assertMasked(yaml.stdout);
  assert.match(yaml.stdout, "kubectl.kubernetes.io/last-applied-configuration: '****'");
});

test("a change to a Secret answers with the Secret, masked: annotate and label print no values", async () => {
  const ns = gateway().cluster.namespace;
  const annotated = await gateway().kubectl(["annotate", "secret", "db", "-n", ns, `note=${marker()}`, "-o", "yaml"]);
  assert.is(annotated.code, 0, annotated.stderr);
  assertMasked(annotated.stdout);
  const labelled = await gateway().kubectl(["label", "secret", "applied", "-n", ns, "team=a", "-o", "json"]);
  assert.is(labelled.code, 0, labelled.stderr);
  assertMasked(labelled.stdout);
  // The change was made: only the answer was masked.
  const stored = await gateway().cluster.api("admin", "GET", `/api/v1/namespaces/${ns}/secrets/applied`);
  assert.match(stored.body, '"team":"a"');
  assert.match(stored.body, ENCODED);
});

function assertMasked(output: string): void {
  assert.not.match(output, PASSWORD);
  assert.not.match(output, ENCODED);
  assert.match(output, "****");
}

test("get -o yaml and -o json show the Secret with its values masked", async () => {
  const ns = gateway().cluster.namespace;
  const yaml = await gateway().kubectl(["get", "secret", "db", "-n", ns, "-o", "yaml"]);
  assert.is(yaml.code, 0, yaml.stderr);
  assert.match(yaml.stdout, "password: '****'");
  assertMasked(yaml.stdout);
  const json = await gateway().kubectl(["get", "secret", "db", "-n", ns, "-o", "json"]);
  assert.equal((JSON.parse(json.stdout) as { data: Record<string, string> }).data, { password: "****", user: "****" });
});

test("a list (table, yaml, jsonpath) masks every item", async () => {
  const ns = gateway().cluster.namespace;
  const table = await gateway().kubectl(["get", "secrets", "-n", ns]);
  assert.is(table.code, 0, table.stderr);
  assert.match(table.stdout, /db\s+Opaque\s+2/);
  for (const args of [["-o", "yaml"], ["-o", "jsonpath={.items[*].data.password}"], ["-o", "wide"]]) {
    const out = await gateway().kubectl(["get", "secrets", "-n", ns, ...args]);
    assert.is(out.code, 0, out.stderr);
    assert.not.match(out.stdout, PASSWORD);
    assert.not.match(out.stdout, ENCODED);
  }
});

test("a watch masks each event as it arrives", async () => {
  const ns = gateway().cluster.namespace;
  let watch: Running | undefined;
  try {
    watch = await gateway().startKubectl(["get", "secrets", "-n", ns, "-w", "-o", "json"]);
    const running = watch;
    await until("the watch to show db", () => running.stdout().includes('"name": "db"'));
    const later = marker();
    const created = await gateway().cluster.api("admin", "POST", `/api/v1/namespaces/${ns}/secrets`, { apiVersion: "v1", kind: "Secret", metadata: { name: later }, stringData: { token: PASSWORD } });
    assert.is(created.status, 201, created.body);
    await until(`the watch to show ${later}`, () => running.stdout().includes(later), 5_000);
    assertMasked(running.stdout());
  } finally {
    watch?.kill("SIGTERM");
    await watch?.done;
  }
});

test("a secret-reader sees the values", async () => {
  const json = await gateway().kubectl(["get", "secret", "db", "-n", gateway().cluster.namespace, "-o", "jsonpath={.data.password}"], { who: READER });
  assert.equal([json.code, json.stdout], [0, ENCODED], json.stderr);
});

test.run();
