import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { startIdentityProvider, type RunningIdentityProvider } from "../../proxy/demo/identity-provider.js";
import { kubeconfig } from "../../proxy/demo/kube/kubeconfig.js";
import { deviceLogin } from "../support/device-login.js";
import { startKubeGateway, type KubeGateway } from "../support/kube-gateway.js";
import { until } from "../support/kube-streams.js";
import { recheckingPeople } from "../support/rechecking-issuer.js";

// A long Kubernetes request (kubectl get -w through the gateway to a real apiserver), made with alice's
// opaque access token from the real demo OpenID provider, ends when the provider removes her account:
// the gateway's re-check (session_recheck) hears `active: false`, the stream closes within 5 s, the end
// is audited and kubectl's next request with the token is refused.

let idp: RunningIdentityProvider;
let g: KubeGateway;

test.before(async () => {
  idp = await startIdentityProvider({ devicePollIntervalSeconds: 1 });
  try {
    g = await startKubeGateway({ identity: { issuers: [recheckingPeople(idp, { every_seconds: 1 })] } });
  } catch (error) {
    console.error("the gateway or cluster did not start:", error);
    throw error;
  }
});
test.after(async () => {
  await g?.stop();
  await idp?.close();
});

test("removing alice at the issuer closes her open watch within 5 s; the end is audited; kubectl's next request is refused", async () => {
  const namespace = g.cluster.namespace;
  const created = await g.cluster.api("admin", "POST", `/api/v1/namespaces/${namespace}/configmaps`, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "watched" }, data: { a: "1" } });
  assert.is(created.status, 201, created.body);
  const token = (await deviceLogin(idp.issuer, idp.humanClientId, idp.humanScopes, "alice")).access_token;
  const config = join(g.dir, "kubeconfig-alice-idp.json");
  writeFileSync(config, kubeconfig(g.url, g.caPem, "alice", token), { mode: 0o600 });

  const watch = await g.startKubectl(["get", "configmaps", "-n", namespace, "-w", "-o", "name"], { kubeconfig: config });
  await until("the watch to list the existing objects", () => watch.stdout().includes("configmap/watched"));
  // kubectl lists, prints, then opens the watch request: give it a moment to be the open request.
  await new Promise((resolve) => setTimeout(resolve, 1000));
  await until("the watch to be watched by the gateway", () => g.gateway.liveSessions.size > 0);

  assert.ok(idp.removeUser("alice"));
  const removedAt = Date.now();
  const ended = await watch.done;
  const took = Date.now() - removedAt;
  assert.ok(took < 5000, `kubectl ran ${took} ms after the removal: ${ended.stderr}`);
  const reason = `the issuer ${idp.issuer} no longer recognises alice's token`;
  // The session's end is recorded when its connection closes, naming why the gateway ended it.
  const sessionEnds = (): string[] =>
    readFileSync(g.gateway.config.auditPath, "utf8")
      .split("\n")
      .filter((line) => line.includes('"session_end"'))
      .map((line) => (JSON.parse(line) as { event: { reason: string } }).event.reason);
  await until("the end to be audited with its reason", () => sessionEnds().includes(`identity ended: ${reason}`), 5000);

  const after = await g.kubectl(["get", "configmaps", "-n", namespace, "-o", "name"], { kubeconfig: config });
  assert.is.not(after.code, 0, after.stdout);
  assert.match(after.stderr, /You must be logged in to the server/);
});

test.run();
