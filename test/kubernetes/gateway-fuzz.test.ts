import { Agent, request } from "node:https";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { normalizeKubernetes } from "../../engine/actions/kubernetes/index.js";
import { KUBE_ALICE, kubeGatewayForSuite } from "../support/kube-gateway.js";
import { normalize } from "./normalize-support.js";

// Mutated requests: the normalizer never throws and every document matches the schema; the gateway
// answers 10,000 of them (each decided and audited) and is still serving afterwards.

const gateway = kubeGatewayForSuite(test);

const SEEDS = [
  "GET /api/v1/namespaces/team-a/pods?watch=1&labelSelector=app%3Dweb",
  "GET /apis/apps/v1/namespaces/team-a/deployments/web/scale",
  "DELETE /api/v1/namespaces/team-a/configmaps?fieldSelector=metadata.name%3Dx",
  "GET /api/v1/namespaces/team-a/pods/web-1/exec?command=sh&command=-c&command=ls&tty=1",
  "GET /api/v1/watch/namespaces/team-a/secrets/db",
  "GET /openapi/v3/apis/apps/v1?hash=1",
];
const PIECES = ["/", "..", ".", "%2F", "%2e", "%", "%zz", "?", "&", "=", ";", "#", "+", "\u00e9", "\u0000", "watch", "proxy", "namespaces", "//", "%00", "~", "*", "exec", "log"];

/** A deterministic pseudo-random sequence, so a failure can be replayed. */
function rng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

function mutate(text: string, random: () => number): string {
  let out = text;
  const edits = 1 + Math.floor(random() * 4);
  for (let e = 0; e < edits; e++) {
    const at = 4 + Math.floor(random() * Math.max(1, out.length - 4));
    const choice = random();
    if (choice < 0.4) out = out.slice(0, at) + PIECES[Math.floor(random() * PIECES.length)]! + out.slice(at);
    else if (choice < 0.7) out = out.slice(0, at) + out.slice(at + 1 + Math.floor(random() * 5));
    else out = out.slice(0, at) + String.fromCharCode(32 + Math.floor(random() * 95)) + out.slice(at + 1);
  }
  return out;
}

test("10,000 mutated request texts: the normalizer never throws and every document matches the schema", () => {
  const random = rng(12);
  for (let i = 0; i < 10_000; i++) {
    const text = mutate(SEEDS[i % SEEDS.length]!, random);
    assert.not.throws(() => normalizeKubernetes(text), text);
    if (i % 10 === 0) normalize(text);
  }
});

test("10,000 mutated requests through the gateway: each answered, and the gateway still serves", async () => {
  const random = rng(34);
  const token = await gateway().token(KUBE_ALICE);
  const agent = new Agent({ keepAlive: true, maxSockets: 8 });
  const base = new URL(gateway().url);
  const statuses = new Map<number, number>();
  const send = (path: string): Promise<number> =>
    new Promise((resolve) => {
      const req = request({ host: base.hostname, port: base.port, path, method: ["GET", "DELETE", "HEAD", "OPTIONS"][Math.floor(random() * 4)], agent, ca: gateway().caPem, headers: { authorization: `Bearer ${token}` } }, (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
        res.on("error", () => resolve(-2));
      });
      // A mutation that asks for a watch or a follow is long-running: given up on after a while.
      let timedOut = false;
      req.setTimeout(1000, () => {
        timedOut = true;
        req.destroy();
      });
      req.on("error", () => resolve(timedOut ? -2 : -1));
      req.end();
    });
  const paths: string[] = [];
  for (let i = 0; i < 10_000; i++) {
    // Seeds that are watches would make most requests long-running; mutations still make some.
    const seeds = SEEDS.filter((seed) => !seed.includes("watch"));
    const mutated = mutate(seeds[i % seeds.length]!, random);
    const path = mutated.slice(mutated.indexOf(" ") + 1);
    paths.push(`${base.pathname}${path.startsWith("/") ? path : `/${path}`}`.replace(/[\s\u0000-\u001f]/g, "_"));
  }
  for (let i = 0; i < paths.length; i += 16) {
    const answered = await Promise.all(paths.slice(i, i + 16).map(send));
    for (const status of answered) statuses.set(status, (statuses.get(status) ?? 0) + 1);
  }
  agent.destroy();
  console.log(`# statuses: ${JSON.stringify([...statuses].sort((a, b) => a[0] - b[0]))}`);
  // -1: a request that failed without an answer (the gateway dropped it); -2: a stream given up on.
  assert.is(statuses.get(-1) ?? 0, 0, JSON.stringify([...statuses]));
  assert.ok((statuses.get(-2) ?? 0) < 1000, JSON.stringify([...statuses]));
  assert.ok(!statuses.has(500), JSON.stringify([...statuses]));
  const after = await gateway().kubectl(["get", "pods", "-n", gateway().cluster.namespace]);
  assert.is(after.code, 0, after.stderr);
});

test.run();
