import { startKubeCluster as startCluster, type KubeClusterOptions, type RunningKubeCluster as Cluster } from "../../proxy/demo/kube/cluster.js";
import type { Identity } from "../../proxy/demo/kube/identities.js";
import { start, type Running, type RunResult } from "./run.js";

export { IDENTITIES, type Identity, type Tokens } from "../../proxy/demo/kube/identities.js";
export { readAuditLog, waitForAuditEvents, type AuditEvent, type AuditLevel } from "../../proxy/demo/kube/audit.js";
export { NODE_NAME, TEAM_NAMESPACE } from "../../proxy/demo/kube/bootstrap.js";
export type { KubeClusterOptions } from "../../proxy/demo/kube/cluster.js";

/** The demo's throwaway cluster (proxy/demo/kube/cluster.ts) with the real kubectl run as any of its identities. */
export interface RunningKubeCluster extends Cluster {
  /** The real kubectl as `identity`, to completion. */
  kubectl(identity: Identity, args: string[], input?: string, timeoutMs?: number): Promise<RunResult>;
  /** The real kubectl as `identity`, still running (for `logs -f`, watch, port-forward). */
  startKubectl(identity: Identity, args: string[], input?: string, timeoutMs?: number): Running;
}

export async function startKubeCluster(options: KubeClusterOptions = {}): Promise<RunningKubeCluster> {
  const cluster = await startCluster(options);
  const startKubectl = (identity: Identity, args: string[], input?: string, timeoutMs = 60_000): Running =>
    start(cluster.tools.kubectl, args, cluster.kubectlEnv(identity), input, timeoutMs);
  return Object.assign(cluster, { startKubectl, kubectl: (identity: Identity, args: string[], input?: string, timeoutMs?: number) => startKubectl(identity, args, input, timeoutMs).done });
}
