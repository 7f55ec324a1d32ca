/**
 * `npm run bench:kubernetes`: Kubernetes API requests through the gateway side by side with the
 * apiserver itself, in one run: GET latency (the added p50), a list of 1,000 ConfigMaps (throughput
 * ratio), a list of Secrets with and without masking, `kubectl get pods` wall time, and watch event
 * throughput. The last line is one JSON object with every figure.
 *
 * Aims (issue 12): list throughput through the gateway ≥ 0.7 of direct; added p50 latency ≤ 5 ms.
 * The gateway runs in this process (startGateway, as the tests start it) on the same two CPUs as
 * etcd, the apiserver and kwok.
 */
import { Agent } from "node:https";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { KUBE_ALICE, startKubeGateway, type KubeGateway } from "../../test/support/kube-gateway.js";
import { run } from "../../test/support/run.js";
import { round, summarize, usSince } from "../support/stats.js";
import { countWatchEvents, timedGet, type Endpoint } from "./http-client.js";

const OBJECTS = 1000;
const LATENCY_SAMPLES = 300;
const LIST_ROUNDS = 20;
const KUBECTL_RUNS = 5;
const WATCH_EVENTS = 500;

async function main(): Promise<void> {
  console.log(`Portcullis Kubernetes gateway benchmark — node ${process.version}, ${cpus().length} CPUs, load average ${loadavg().map((v) => round(v, 2)).join(" ")}`);
  const kgw = await startKubeGateway();
  try {
    const { cluster } = kgw;
    const ns = cluster.namespace;
    await seed(kgw);
    const reader = { ...KUBE_ALICE, groups: ["dev", "secret-readers"] };
    const direct: Endpoint = { name: "direct", base: cluster.url, caPem: cluster.caPem, token: cluster.tokens.alice };
    const gateway: Endpoint = { name: "gateway", base: kgw.url, caPem: kgw.caPem, token: await kgw.token(KUBE_ALICE) };
    const unmasked: Endpoint = { name: "gateway (secret-reader)", base: kgw.url, caPem: kgw.caPem, token: await kgw.token(reader) };

    const latency = async (endpoint: Endpoint): Promise<ReturnType<typeof summarize>> => {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      await timedGet(endpoint, agent, `/api/v1/namespaces/${ns}/pods`);
      const samples = new Float64Array(LATENCY_SAMPLES);
      const started = process.hrtime.bigint();
      for (let i = 0; i < LATENCY_SAMPLES; i++) samples[i] = (await timedGet(endpoint, agent, `/api/v1/namespaces/${ns}/pods`)).us;
      agent.destroy();
      return summarize(samples, usSince(started) / 1e6);
    };
    const listRate = async (endpoint: Endpoint, path: string): Promise<{ lists_per_s: number; mb_per_s: number }> => {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      await timedGet(endpoint, agent, path);
      let bytes = 0;
      const started = process.hrtime.bigint();
      for (let i = 0; i < LIST_ROUNDS; i++) bytes += (await timedGet(endpoint, agent, path)).bytes;
      const seconds = usSince(started) / 1e6;
      agent.destroy();
      return { lists_per_s: round(LIST_ROUNDS / seconds, 1), mb_per_s: round(bytes / seconds / 1e6, 1) };
    };

    const getDirect = await latency(direct);
    const getGateway = await latency(gateway);
    console.log(`GET pods p50: direct ${getDirect.p50_us} µs, gateway ${getGateway.p50_us} µs (added ${round((getGateway.p50_us - getDirect.p50_us) / 1000, 2)} ms)`);
    const cmPath = `/api/v1/namespaces/${ns}/configmaps`;
    const listDirect = await listRate(direct, cmPath);
    const listGateway = await listRate(gateway, cmPath);
    console.log(`list ${OBJECTS} ConfigMaps: direct ${listDirect.lists_per_s}/s, gateway ${listGateway.lists_per_s}/s (ratio ${round(listGateway.lists_per_s / listDirect.lists_per_s, 2)})`);
    const secretPath = `/api/v1/namespaces/${ns}/secrets`;
    const secretsDirect = await listRate(direct, secretPath);
    const secretsUnmasked = await listRate(unmasked, secretPath);
    const secretsMasked = await listRate(gateway, secretPath);
    console.log(`list ${OBJECTS} Secrets: direct ${secretsDirect.lists_per_s}/s, gateway unmasked ${secretsUnmasked.lists_per_s}/s, masked ${secretsMasked.lists_per_s}/s`);

    const kubectlDirect = await kubectlWall(kgw, cluster.kubeconfigFor("alice"));
    const kubectlGateway = await kubectlWall(kgw, await kgw.kubeconfigFor(KUBE_ALICE));
    console.log(`kubectl get pods wall p50: direct ${kubectlDirect} ms, gateway ${kubectlGateway} ms`);

    const watch = await watchThroughput(kgw, direct, gateway);
    console.log(`watch: ${WATCH_EVENTS} events, direct ${watch.direct_events_per_s}/s, gateway ${watch.gateway_events_per_s}/s`);

    const result = {
      bench: "kubernetes",
      objects: OBJECTS,
      get_pods: { direct: getDirect, gateway: getGateway, added_p50_ms: round((getGateway.p50_us - getDirect.p50_us) / 1000, 2) },
      list_configmaps: { direct: listDirect, gateway: listGateway, ratio: round(listGateway.lists_per_s / listDirect.lists_per_s, 2) },
      list_secrets: { direct: secretsDirect, gateway_unmasked: secretsUnmasked, gateway_masked: secretsMasked, masked_ratio: round(secretsMasked.lists_per_s / secretsDirect.lists_per_s, 2) },
      kubectl_get_pods_p50_ms: { direct: kubectlDirect, gateway: kubectlGateway },
      watch,
      aims: { list_ratio_min: 0.7, added_p50_ms_max: 5 },
    };
    console.log(JSON.stringify(result));
  } finally {
    await kgw.stop();
  }
}

/** 1,000 ConfigMaps and 1,000 Secrets in alice's namespace, and her right to read Secrets. */
async function seed(kgw: KubeGateway): Promise<void> {
  const { cluster } = kgw;
  const ns = cluster.namespace;
  const rbac = `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}`;
  await cluster.api("admin", "POST", `${rbac}/roles`, { apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role", metadata: { name: "bench-secrets" }, rules: [{ apiGroups: [""], resources: ["secrets"], verbs: ["get", "list", "watch"] }] });
  await cluster.api("admin", "POST", `${rbac}/rolebindings`, { apiVersion: "rbac.authorization.k8s.io/v1", kind: "RoleBinding", metadata: { name: "bench-secrets" }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "bench-secrets" }, subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: "alice" }] });
  const started = process.hrtime.bigint();
  for (let i = 0; i < OBJECTS; i += 20) {
    await Promise.all(
      Array.from({ length: 20 }, (_, j) => {
        const n = i + j;
        return Promise.all([
          cluster.api("admin", "POST", `/api/v1/namespaces/${ns}/configmaps`, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: `bench-${n}` }, data: { a: "x".repeat(200), n: String(n) } }),
          cluster.api("admin", "POST", `/api/v1/namespaces/${ns}/secrets`, { apiVersion: "v1", kind: "Secret", metadata: { name: `bench-${n}` }, data: { password: Buffer.from(`secret-${n}`).toString("base64") } }),
        ]);
      }),
    );
  }
  console.log(`seeded ${OBJECTS} ConfigMaps and ${OBJECTS} Secrets in ${round(usSince(started) / 1e6, 1)} s`);
}

/** The median wall time (ms) of `kubectl get pods` with a kubeconfig, discovery cached after the first run. */
async function kubectlWall(kgw: KubeGateway, kubeconfig: string): Promise<number> {
  const env = { ...process.env, KUBECONFIG: kubeconfig, KUBECACHEDIR: join(kgw.dir, `cache-${kubeconfig.length}`) };
  await run(kgw.cluster.tools.kubectl, ["get", "pods", "-n", kgw.cluster.namespace], env);
  const times: number[] = [];
  for (let i = 0; i < KUBECTL_RUNS; i++) {
    const started = process.hrtime.bigint();
    const result = await run(kgw.cluster.tools.kubectl, ["get", "pods", "-n", kgw.cluster.namespace], env);
    if (result.code !== 0) throw new Error(`kubectl get pods failed: ${result.stderr}`);
    times.push(usSince(started) / 1000);
  }
  return round(times.sort((a, b) => a - b)[Math.floor(times.length / 2)]!, 1);
}

/** Two watches (direct, through the gateway) on the same changes: events per second each saw. */
async function watchThroughput(kgw: KubeGateway, direct: Endpoint, gateway: Endpoint): Promise<{ events: number; direct_events_per_s: number; gateway_events_per_s: number }> {
  const ns = kgw.cluster.namespace;
  const path = `/api/v1/namespaces/${ns}/configmaps?watch=1&labelSelector=bench%3Dwatch`;
  const watchers = [countWatchEvents(direct, path), countWatchEvents(gateway, path)];
  await new Promise((resolve) => setTimeout(resolve, 500));
  const started = process.hrtime.bigint();
  const finished: number[] = [0, 0];
  const done = new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      watchers.forEach((w, i) => {
        if (finished[i] === 0 && w.count() >= WATCH_EVENTS) finished[i] = usSince(started);
      });
      if (finished.every((f) => f > 0) || usSince(started) > 120e6) {
        clearInterval(timer);
        resolve();
      }
    }, 5);
  });
  for (let i = 0; i < WATCH_EVENTS; i += 25) {
    await Promise.all(Array.from({ length: 25 }, (_, j) => kgw.cluster.api("admin", "POST", `/api/v1/namespaces/${ns}/configmaps`, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: `watch-${i + j}`, labels: { bench: "watch" } } })));
  }
  await done;
  for (const w of watchers) w.stop();
  const rate = (us: number): number => (us > 0 ? round(WATCH_EVENTS / (us / 1e6), 0) : 0);
  return { events: WATCH_EVENTS, direct_events_per_s: rate(finished[0]!), gateway_events_per_s: rate(finished[1]!) };
}

await main();
