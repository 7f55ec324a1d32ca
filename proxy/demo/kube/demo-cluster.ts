import { existsSync } from "node:fs";
import { join, relative } from "node:path";
import { packageRoot } from "../../../engine/paths.js";
import { startKubeCluster } from "./cluster.js";
import { createDemoObjects } from "./demo-objects.js";
import { kubeTools } from "./tools.js";

/** The demo's Kubernetes target and how to reach it with kubectl. */
export interface DemoCluster {
  /** The gateway's target "cluster" (env=prod): the apiserver, reached with the gateway's own token. */
  target: { type: "kubernetes"; name: string; tags: Record<string, string>; server: string; ca_file: string; token: string };
  /** The pinned kubectl built by `npm run setup`. */
  kubectl: string;
  stop(): Promise<void>;
}

/**
 * Starts the throwaway cluster (cluster.ts) with the demo's namespace and objects, or answers
 * undefined, saying why in the log, when the Kubernetes programs have not been built or the cluster
 * does not come up: the rest of the demo works without it.
 */
export async function startDemoCluster(log: (line: string) => void): Promise<DemoCluster | undefined> {
  try {
    kubeTools();
  } catch {
    log("the Kubernetes programs are not built: the demo runs without a Kubernetes target (npm run setup builds them)");
    return undefined;
  }
  let cluster: Awaited<ReturnType<typeof startKubeCluster>> | undefined;
  try {
    cluster = await startKubeCluster();
    await createDemoObjects({ url: cluster.url, caPem: cluster.caPem }, cluster.tokens.admin);
  } catch (error) {
    await cluster?.stop();
    log(`the demo's Kubernetes cluster did not start, the demo runs without it: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  }
  const running = cluster;
  return {
    target: { type: "kubernetes", name: "cluster", tags: { env: "prod" }, server: running.url, ca_file: running.caCertFile, token: running.tokens.gateway },
    kubectl: kubectlCommand(running.tools.kubectl),
    stop: () => running.stop(),
  };
}

/** kubectl as a person at the repository's root types it: .tools/kubernetes/bin/kubectl when that link is the build used. */
function kubectlCommand(built: string): string {
  const linked = join(packageRoot, ".tools", "kubernetes", "bin", "kubectl");
  if (!process.env.PORTCULLIS_KUBE_TOOLS && existsSync(linked) && process.cwd() === packageRoot) return relative(packageRoot, linked);
  return built;
}
