import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { portcullis } from "../support/cli.js";

// portcullis eval --kube: a Kubernetes request decided as the gateway would, against a kubernetes target.

interface EvalOutput {
  effect: string;
  decision: { reasons: string[]; mask?: unknown[] };
  action: { kind: string; verb: string; resource: string; name: string; object?: { privileged: boolean } };
  input: { target: { type: string }; session: { protocol: string } };
}

test("eval --kube prints the decision, the action document and a kubernetes input", async () => {
  const r = await portcullis(["eval", "--kube", "DELETE /apis/apps/v1/namespaces/demo/deployments/web", "--target", "cluster", "--tag", "env=prod"]);
  assert.is(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as EvalOutput;
  assert.equal([out.effect, out.action.kind, out.action.verb, out.action.resource, out.action.name], ["approval", "kubernetes", "delete", "deployments", "web"]);
  assert.equal([out.input.target.type, out.input.session.protocol], ["kubernetes", "kubernetes"]);
  assert.equal(out.decision.reasons, ["delete of deployments web in namespace demo on cluster requires approval"]);
});

test("eval --kube --body reads a write's body", async () => {
  const dir = mkdtempSync(join(tmpdir(), "portcullis-eval-"));
  try {
    const file = join(dir, "pod.json");
    writeFileSync(file, JSON.stringify({ kind: "Pod", spec: { containers: [{ name: "c", image: "x", securityContext: { privileged: true } }] } }));
    const r = await portcullis(["eval", "--kube", "POST /api/v1/namespaces/demo/pods", "--body", file]);
    assert.is(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as EvalOutput;
    assert.equal([out.effect, out.action.object?.privileged], ["deny", true]);
    assert.equal(out.decision.reasons, ["pods: a privileged container is for admins only"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("eval --kube on a Secret shows the masks", async () => {
  const r = await portcullis(["eval", "--kube", "GET /api/v1/namespaces/demo/secrets/db"]);
  const out = JSON.parse(r.stdout) as EvalOutput;
  const masks = (out.decision.mask as Array<{ json_path: string; strategy: string }>).map((m) => `${m.json_path} ${m.strategy}`).sort();
  assert.equal([out.effect, masks], ["mask", ["data.* redact", "metadata.annotations.kubectl\\.kubernetes\\.io/last-applied-configuration redact", "stringData.* redact"]]);
});

test("eval --kube needs METHOD and URL", async () => {
  const r = await portcullis(["eval", "--kube", "/api/v1/pods"]);
  assert.is(r.code, 2);
  assert.match(r.stderr, 'takes "METHOD URL"');
});

test.run();
