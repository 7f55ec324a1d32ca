import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { portcullis } from "../support/cli.js";
import { kubeGatewayForSuite } from "../support/kube-gateway.js";
import { defaultPolicyWithSettings } from "../support/policy-dir.js";

// Kubernetes sessions are recorded like the other protocols' and replay against a new policy: the
// same recording passes against the policy that decided it and shows what a changed policy decides.

const POD = "web-1";
const gateway = kubeGatewayForSuite(test, { pod: POD });

test("recorded kubectl requests replay against the policy, and a new policy's changes are reported", async () => {
  const ns = gateway().cluster.namespace;
  assert.is((await gateway().kubectl(["get", "pods", "-n", ns])).code, 0);
  assert.is((await gateway().kubectl(["exec", "-n", ns, POD, "--", "echo", "hi"])).code, 0);
  // Recordings are complete once their sessions end: the gateway closes them on close.
  await gateway().gateway.close();
  const recordings = join(gateway().dir, "recordings");
  // The exec's result in its recording: the command's exit status, read from the stream.
  const lines = readdirSync(recordings).flatMap((file) => readFileSync(join(recordings, file), "utf8").trim().split("\n").map((line) => JSON.parse(line) as { request?: { text?: string }; result?: { exit_status?: number } }));
  const exec = lines.find((line) => line.request?.text?.includes("/exec?"));
  assert.is(exec?.result?.exit_status, 0, JSON.stringify(exec));
  const same = await portcullis(["conformance", "run", recordings]);
  assert.is(same.code, 0, same.stdout + same.stderr);
  assert.match(same.stdout, /all passed/);
  // The same namespace, now prod: the exec would wait for an approval.
  const stricter = defaultPolicyWithSettings({ kubernetes: { admin_groups: [], secret_readers: [], prod_namespaces: [ns] } });
  try {
    const changed = await portcullis(["conformance", "run", recordings, "--policy", stricter.dir]);
    assert.is(changed.code, 1, changed.stdout + changed.stderr);
    assert.match(changed.stdout, "decision: expected allow, got approval");
    assert.match(changed.stdout, `/api/v1/namespaces/${ns}/pods/${POD}/exec`);
  } finally {
    stricter.remove();
  }
});

test.run();
