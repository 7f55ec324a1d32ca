import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { resolveConfig } from "../../engine/config/load.js";
import { defaultPolicyDir } from "../../engine/paths.js";
import type { Identity } from "../../engine/policy/types.js";
import { startGateway, type RunningGateway } from "../../proxy/gateway/gateway.js";
import { startKubeCluster, type KubeClusterOptions, type RunningKubeCluster } from "./kube-cluster.js";
import { kubeconfig } from "../../proxy/demo/kube/kubeconfig.js";
import type { test } from "uvu";
import { start, type Running, type RunResult } from "./run.js";

/** alice as the test cluster's RBAC knows her (user alice, group dev), as a person with a gateway token. */
export const KUBE_ALICE: Identity = { subject: "alice", issuer: "https://idp.test", groups: ["dev"], kind: "human", claims: {} };
/** A service (CI) identity with alice's RBAC rights, for what the policy treats differently for services. */
export const KUBE_CI: Identity = { subject: "alice", issuer: "https://ci.test", groups: ["dev"], kind: "service", claims: {} };

export interface KubeGateway {
  cluster: RunningKubeCluster;
  gateway: RunningGateway;
  /** The target's URL on the gateway: https://127.0.0.1:PORT/targets/kind. */
  url: string;
  /** The gateway's certificate (self-signed), as a kubeconfig's CA. */
  caPem: string;
  /** The gateway's state directory (audit.log, approvals, recordings). */
  dir: string;
  token(who?: Identity): Promise<string>;
  /** A kubeconfig file for `who` pointing at the gateway's target (default `kind`). */
  kubeconfigFor(who?: Identity, target?: string): Promise<string>;
  kubectl(args: string[], options?: KubectlOptions): Promise<RunResult>;
  startKubectl(args: string[], options?: KubectlOptions): Promise<Running>;
  stop(): Promise<void>;
}

export interface KubectlOptions {
  who?: Identity;
  input?: string;
  timeoutMs?: number;
  /** The gateway target kubectl talks to (default `kind`). */
  target?: string;
  /** A kubeconfig written earlier by kubeconfigFor (its token again), instead of a fresh one. */
  kubeconfig?: string;
}

export interface KubeGatewayOptions extends KubeClusterOptions {
  /** The target's tags (default env: dev). */
  tags?: Record<string, string>;
  policyDir?: string;
  /** A second target, `down`, whose server is this URL (an apiserver that is down or slow). */
  downServer?: string;
  /** More targets by name, each with the cluster's CA and gateway token and this server URL (a relay in front of the apiserver, say). */
  servers?: Record<string, string>;
  /** A pod of this name to create in alice's namespace and wait for (Running on the fake node). */
  pod?: string;
  /** The gateway's `identity` section (trusted issuers); default none (gateway tokens only). */
  identity?: unknown;
}

/**
 * A real cluster (see kube-cluster.ts) behind a whole gateway started from a config: one kubernetes
 * target `kind` reached with the cluster's `gateway` token and CA, the listener on a free loopback port.
 */
export async function startKubeGateway(options: KubeGatewayOptions = {}): Promise<KubeGateway> {
  const cluster = await startKubeCluster(options);
  const dir = mkdtempSync(join(tmpdir(), "portcullis-kgw-"));
  let gateway: RunningGateway;
  try {
    const config = resolveConfig(
      {
        state_dir: dir,
        listen: { postgres: "127.0.0.1:0", http: "127.0.0.1:0", kubernetes: "127.0.0.1:0" },
        policy: { watch: false, dir: options.policyDir ?? defaultPolicyDir },
        ...(options.identity ? { identity: options.identity } : {}),
        targets: [
          { name: "kind", type: "kubernetes", tags: options.tags ?? { env: "dev" }, server: cluster.url, ca_file: cluster.caCertFile, token: cluster.tokens.gateway },
          ...Object.entries({ ...(options.downServer ? { down: options.downServer } : {}), ...options.servers }).map(([name, server]) => ({ name, type: "kubernetes", server, ca_file: cluster.caCertFile, token: cluster.tokens.gateway })),
        ],
      },
      dir,
    );
    gateway = await startGateway(config, () => undefined);
    if (options.pod) await runningPod(cluster, options.pod);
  } catch (error) {
    await cluster.stop();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const url = `${gateway.kubernetes!.url}/targets/kind`;
  const caPem = readFileSync(join(dir, "tls-cert.pem"), "utf8");
  const token = async (who: Identity = KUBE_ALICE): Promise<string> => (await gateway.identity.tokens.issue(who)).token;
  let configs = 0;
  const kubeconfigFor = async (who: Identity = KUBE_ALICE, target = "kind"): Promise<string> => {
    const path = join(dir, `kubeconfig-${++configs}.json`);
    writeFileSync(path, kubeconfig(`${gateway.kubernetes!.url}/targets/${target}`, caPem, who.subject, await token(who)), { mode: 0o600 });
    return path;
  };
  const startKubectl = async (args: string[], o: KubectlOptions = {}): Promise<Running> => {
    const env = { ...process.env, KUBECONFIG: o.kubeconfig ?? (await kubeconfigFor(o.who, o.target)), KUBECACHEDIR: join(dir, "kubectl-cache") };
    return start(cluster.tools.kubectl, args, env, o.input, o.timeoutMs ?? 60_000);
  };
  return {
    cluster,
    gateway,
    url,
    caPem,
    dir,
    token,
    kubeconfigFor,
    startKubectl,
    kubectl: async (args, o) => (await startKubectl(args, o)).done,
    async stop() {
      await gateway.close();
      await cluster.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Creates a pod in alice's namespace on the fake node, as the admin, and waits until it runs. */
async function runningPod(cluster: RunningKubeCluster, name: string): Promise<void> {
  const res = await cluster.api("admin", "POST", `/api/v1/namespaces/${cluster.namespace}/pods`, {
    apiVersion: "v1", kind: "Pod", metadata: { name, namespace: cluster.namespace },
    spec: { nodeName: cluster.nodeName, containers: [{ name: "app", image: "registry.invalid/app:1" }] },
  });
  if (res.status !== 201) throw new Error(`pod ${name} not created: ${res.body}`);
  const ready = await cluster.kubectl("admin", ["wait", "-n", cluster.namespace, `pod/${name}`, "--for=jsonpath={.status.phase}=Running", "--timeout=30s"]);
  if (ready.code !== 0) throw new Error(`pod ${name} not running: ${ready.stderr}`);
}

/**
 * Starts a cluster and gateway before the suite's tests and stops them after; answers the running
 * one. A start that fails is printed (uvu reports a failing hook only as failed tests).
 */
export function kubeGatewayForSuite(suite: typeof test, options: KubeGatewayOptions = {}): () => KubeGateway {
  let running: KubeGateway | undefined;
  suite.before(async () => {
    try {
      running = await startKubeGateway(options);
    } catch (error) {
      console.error("the gateway or cluster did not start:", error);
      throw error;
    }
  });
  suite.after(async () => {
    await running?.stop();
  });
  return () => running!;
}
