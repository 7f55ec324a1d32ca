import { randomBytes } from "node:crypto";
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Identity } from "../../engine/policy/types.js";
import { pendingFor } from "../support/approval-gateway.js";
import { KUBE_CI, kubeGatewayForSuite } from "../support/kube-gateway.js";

// On a prod target a person's delete waits on the wire for an approval (kubectl waits with it) and
// runs once dana approves; a service is refused exec into prod; a denied approval is kubectl's error.

const POD = "web-1";
const gateway = kubeGatewayForSuite(test, { pod: POD, tags: { env: "prod" } });
const DANA: Identity = { subject: "dana", issuer: "https://idp.test", groups: ["dba"], kind: "human", claims: {} };

async function configMap(): Promise<string> {
  const name = `cm-${randomBytes(3).toString("hex")}`;
  const res = await gateway().cluster.api("admin", "POST", `/api/v1/namespaces/${gateway().cluster.namespace}/configmaps`, { apiVersion: "v1", kind: "ConfigMap", metadata: { name }, data: { a: "1" } });
  assert.is(res.status, 201, res.body);
  return name;
}

test("a delete in prod waits for dana's approval, then runs", async () => {
  const name = await configMap();
  const deleting = await gateway().startKubectl(["delete", "configmap", name, "-n", gateway().cluster.namespace]);
  const pending = await pendingFor(gateway().gateway, "alice");
  assert.match(pending.reasons.join(" "), `delete of configmaps ${name} in namespace team-a on kind requires approval`);
  assert.is(pending.mode, "hold");
  // still waiting: nothing deleted yet
  const still = await gateway().cluster.api("admin", "GET", `/api/v1/namespaces/${gateway().cluster.namespace}/configmaps/${name}`);
  assert.is(still.status, 200);
  await gateway().gateway.approvals.decide(pending.id, DANA, "approve");
  const done = await deleting.done;
  assert.is(done.code, 0, done.stderr);
  assert.match(done.stdout, `configmap "${name}" deleted`);
});

test("a denied approval is kubectl's error, and nothing is deleted", async () => {
  const name = await configMap();
  const deleting = await gateway().startKubectl(["delete", "configmap", name, "-n", gateway().cluster.namespace]);
  const pending = await pendingFor(gateway().gateway, "alice");
  await gateway().gateway.approvals.decide(pending.id, DANA, "deny", { reason: "not now" });
  const done = await deleting.done;
  assert.is(done.code, 1);
  assert.match(done.stderr, "Error from server (Forbidden)");
  assert.match(done.stderr, `approval ${pending.id} was denied by dana: not now`);
  const still = await gateway().cluster.api("admin", "GET", `/api/v1/namespaces/${gateway().cluster.namespace}/configmaps/${name}`);
  assert.is(still.status, 200);
});

test("exec into a prod pod is refused to a service at once", async () => {
  const exec = await gateway().kubectl(["exec", "-n", gateway().cluster.namespace, POD, "--", "ls"], { who: KUBE_CI });
  assert.is(exec.code, 1);
  assert.match(exec.stderr, "exec into namespace team-a on kind is not allowed for services");
});

test.run();
