import { test } from "uvu";
import * as assert from "uvu/assert";
import { KUBE_ALICE, kubeGatewayForSuite } from "../support/kube-gateway.js";
import { until } from "../support/kube-streams.js";

// A long Kubernetes request (kubectl get -w through the gateway to a real apiserver) ends when the
// identity behind it does: revoking the subject closes the stream within 5 s, and the retry is refused.

const gateway = kubeGatewayForSuite(test);

test("revoking the subject closes an open watch within 5 s; kubectl's next request is refused", async () => {
  const created = await gateway().cluster.api("admin", "POST", `/api/v1/namespaces/${gateway().cluster.namespace}/configmaps`, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "watched" }, data: { a: "1" } });
  assert.is(created.status, 201, created.body);
  // One token for the watch and the retry: a token issued after the revocation's second is a new sign-in, and valid.
  const kubeconfig = await gateway().kubeconfigFor();
  const watch = await gateway().startKubectl(["get", "configmaps", "-n", gateway().cluster.namespace, "-w", "-o", "name"], { kubeconfig });
  await until("the watch to list the existing objects", () => watch.stdout().includes("configmap/watched"));
  // kubectl lists, prints, then opens the watch request: give it a moment to be the open request.
  await new Promise((resolve) => setTimeout(resolve, 1000));
  await until("the watch to be watched by the gateway", () => gateway().gateway.liveSessions.size > 0);
  await gateway().gateway.identity.revokeSubject(KUBE_ALICE.subject);
  const revokedAt = Date.now();
  const ended = await watch.done;
  assert.ok(Date.now() - revokedAt < 5000, `kubectl ran ${Date.now() - revokedAt} ms after the revocation: ${ended.stderr}`);
  const after = await gateway().kubectl(["get", "configmaps", "-n", gateway().cluster.namespace, "-o", "name"], { kubeconfig });
  assert.is.not(after.code, 0, after.stdout);
  assert.match(after.stderr, /You must be logged in to the server \(Portcullis: subject alice is revoked/);
  assert.type(ended.code, "number");
});

test.run();
