import { appendFileSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

export interface KwokLocalTargets {
  /** Where `kubectl exec` commands run (kwok runs the requested argv there as a local process). */
  execWorkDir: string;
  /** The CRI-format file `kubectl logs` reads and `logs -f` / `attach` follow. */
  podLogPath: string;
  /** The local TCP port every pod port is forwarded to. */
  portForwardTarget: number;
}

/**
 * kwok's --config: the pinned stages (node Ready at 127.0.0.1, pods Pending → Running, deleted pods
 * removed) and, for every pod kwok manages, local stand-ins for what a kubelet serves: exec runs the
 * command on this machine, logs and attach read one log file, port-forward reaches one local port.
 * These Cluster* kinds apply to all pods because they have no selector.
 */
export function kwokConfig(stagesDir: string, targets: KwokLocalTargets): string {
  const stages = readdirSync(stagesDir).filter((f) => f.endsWith(".yaml")).sort().map((f) => readFileSync(join(stagesDir, f), "utf8"));
  const kind = (k: string, spec: unknown): string => JSON.stringify({ apiVersion: "kwok.x-k8s.io/v1alpha1", kind: k, metadata: { name: "portcullis-local" }, spec });
  const documents = [
    ...stages,
    kind("ClusterExec", { execs: [{ local: { workDir: targets.execWorkDir } }] }),
    kind("ClusterLogs", { logs: [{ logsFile: targets.podLogPath, follow: true }] }),
    kind("ClusterAttach", { attaches: [{ logsFile: targets.podLogPath }] }),
    kind("ClusterPortForward", { forwards: [{ target: { address: "127.0.0.1", port: targets.portForwardTarget } }] }),
  ];
  return documents.map((d) => d.trim()).join("\n---\n") + "\n";
}

/**
 * Appends lines to a pod log in the CRI format kubelets write and kwok reads
 * (`<RFC3339 time> <stdout|stderr> F <line>`); `kubectl logs` prints only the text.
 */
export function appendCriLog(path: string, lines: string[], stream: "stdout" | "stderr" = "stdout"): void {
  appendFileSync(path, lines.map((line) => `${new Date().toISOString()} ${stream} F ${line}\n`).join(""));
}
