import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { kubeGatewayForSuite } from "../support/kube-gateway.js";
import type { Running } from "../support/run.js";
import { echoThroughPortForward, marker, until } from "../support/kube-streams.js";

// The long-lived requests through the gateway: logs -f, watch, exec with a tty, attach, port-forward.
// Each is decided once, at the request or the upgrade, and then streamed as it happens.

const POD = "web-1";
const gateway = kubeGatewayForSuite(test, { pod: POD });

async function stop(running: Running | undefined): Promise<void> {
  running?.kill("SIGTERM");
  await running?.done;
}

test("logs -f prints each line as it is written, through the gateway", async () => {
  const [first, second] = [marker(), marker()];
  gateway().cluster.appendPodLog([first]);
  let follow: Running | undefined;
  try {
    follow = await gateway().startKubectl(["logs", "-f", "--tail=1", "-n", gateway().cluster.namespace, POD]);
    const running = follow;
    await until(`logs -f to print ${first}`, () => running.stdout().includes(first));
    assert.not.match(running.stdout(), second);
    gateway().cluster.appendPodLog([second]);
    await until(`logs -f to print ${second} after it was written`, () => running.stdout().includes(second), 5_000);
  } finally {
    await stop(follow);
  }
});

test("get -w streams each change as it happens", async () => {
  const name = `cm-${randomBytes(3).toString("hex")}`;
  let watch: Running | undefined;
  try {
    const before = `cm-${randomBytes(3).toString("hex")}`;
    const existing = await gateway().cluster.api("admin", "POST", `/api/v1/namespaces/${gateway().cluster.namespace}/configmaps`, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: before }, data: { a: "1" } });
    assert.is(existing.status, 201, existing.body);
    watch = await gateway().startKubectl(["get", "configmaps", "-n", gateway().cluster.namespace, "-w", "-o", "name"]);
    const running = watch;
    await until("the watch to list the existing objects", () => running.stdout().includes(`configmap/${before}`));
    assert.not.match(running.stdout(), name);
    const created = await gateway().cluster.api("admin", "POST", `/api/v1/namespaces/${gateway().cluster.namespace}/configmaps`, { apiVersion: "v1", kind: "ConfigMap", metadata: { name }, data: { a: "1" } });
    assert.is(created.status, 201, created.body);
    await until(`the watch to show ${name}`, () => running.stdout().includes(`configmap/${name}`), 5_000);
  } finally {
    await stop(watch);
  }
});

test("exec with a tty asked for is decided with tty true and streams the output", async () => {
  // kwok runs the command without a terminal of its own; what matters here is the stream through the gateway.
  const tty = await gateway().kubectl(["exec", "-t", "-n", gateway().cluster.namespace, POD, "--", "echo", "with-tty"]);
  assert.is(tty.code, 0, tty.stderr);
  assert.match(tty.stdout, "with-tty");
});

test("kubectl cp copies a file out of the pod, through the gateway", async () => {
  // Only this direction: kwok's exec never tells a local command its stdin ended (the v5 close
  // signal), so `tar -x` in a copy into the pod waits forever, through the gateway or not.
  const ns = gateway().cluster.namespace;
  const local = mkdtempSync(join(tmpdir(), "portcullis-cp-"));
  try {
    const content = `${marker()}\n`.repeat(2000);
    // kwok runs the pod's tar in its exec directory: a relative path in the pod is there.
    writeFileSync(join(gateway().cluster.execWorkDir, "in-pod.txt"), content);
    const get = await gateway().kubectl(["cp", `${ns}/${POD}:in-pod.txt`, join(local, "copied.txt")]);
    assert.is(get.code, 0, get.stderr);
    assert.is(readFileSync(join(local, "copied.txt"), "utf8"), content);
  } finally {
    rmSync(local, { recursive: true, force: true });
  }
});

test("kubectl auth can-i is answered for alice", async () => {
  const yes = await gateway().kubectl(["auth", "can-i", "create", "pods/exec", "-n", gateway().cluster.namespace]);
  assert.equal([yes.code, yes.stdout.trim()], [0, "yes"], yes.stderr);
  const no = await gateway().kubectl(["auth", "can-i", "list", "secrets", "-n", gateway().cluster.namespace]);
  assert.equal([no.code, no.stdout.trim()], [1, "no"], no.stderr);
});

test("port-forward reaches the pod through the gateway", async () => {
  const forward = await gateway().startKubectl(["port-forward", "-n", gateway().cluster.namespace, `pod/${POD}`, ":8080"]);
  try {
    const { sent, echoed } = await echoThroughPortForward(forward);
    assert.is(echoed, sent);
  } finally {
    await stop(forward);
  }
});

test.run();
