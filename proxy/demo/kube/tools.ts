import { existsSync, realpathSync } from "node:fs";
import { join } from "node:path";
import { packageRoot } from "../../../engine/paths.js";

/** Where the pinned Kubernetes programs are: built by scripts/setup-kubernetes.sh (see tools/kubernetes/go.mod). */
export interface KubeTools {
  kubeApiserver: string;
  kubectl: string;
  etcd: string;
  kwok: string;
  /** kwok's stage files (node Ready, pod Running, pod deleted) copied from the pinned kwok module. */
  kwokStagesDir: string;
}

/**
 * `$PORTCULLIS_KUBE_TOOLS` (a directory with bin/ and kwok-stages/), else the build `npm run setup`
 * links at .tools/kubernetes. Throws with the command to run when they are missing.
 */
export function kubeTools(): KubeTools {
  const dir = process.env.PORTCULLIS_KUBE_TOOLS ?? join(packageRoot, ".tools", "kubernetes");
  const tools: KubeTools = {
    kubeApiserver: join(dir, "bin", "kube-apiserver"),
    kubectl: join(dir, "bin", "kubectl"),
    etcd: join(dir, "bin", "etcd"),
    kwok: join(dir, "bin", "kwok"),
    kwokStagesDir: join(dir, "kwok-stages"),
  };
  const missing = Object.values(tools).filter((path) => !existsSync(path));
  if (missing.length > 0) {
    throw new Error(`the Kubernetes test tools are missing (${missing.join(", ")}): run \`npm run setup\` (scripts/setup-kubernetes.sh)`);
  }
  // Resolved once, so a setup that relinks .tools/kubernetes mid-run cannot mix two builds.
  const real = realpathSync(dir);
  return Object.fromEntries(Object.entries(tools).map(([name, path]) => [name, path.replace(dir, real)])) as unknown as KubeTools;
}
