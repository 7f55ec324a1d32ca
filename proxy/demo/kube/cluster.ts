import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../free-port.js";
import { apiRequest, type ApiResponse, type ApiTarget } from "./api-request.js";
import { auditPolicy, type AuditLevel } from "./audit.js";
import { bootstrap, NODE_NAME, TEAM_NAMESPACE } from "./bootstrap.js";
import { startApiserver, startEtcd, startKwok, type ClusterPorts } from "./components.js";
import { startReaper, waitUntil, type Daemon } from "./daemon.js";
import { IDENTITIES, KWOK_IDENTITY, newTokens, tokenAuthFile, type Identity, type Tokens } from "./identities.js";
import { kubeconfig } from "./kubeconfig.js";
import { appendCriLog, kwokConfig } from "./kwok-config.js";
import { makeClusterPki } from "./pki.js";
import { kubeTools, type KubeTools } from "./tools.js";


/**
 * A throwaway Kubernetes cluster for tests and the demo: real etcd and kube-apiserver (the pinned builds from
 * `npm run setup`) on free 127.0.0.1 ports, kwok as the node that runs pods and serves exec, attach,
 * logs and port-forward with local stand-ins, the identities of kube/identities.ts with RBAC from
 * kube/bootstrap.ts, and the apiserver's audit log in a file, the oracle for what a request was.
 * Everything lives in one temporary directory; `stop()` kills every process and removes it, and a
 * test process that exits without calling it does the same on its way out.
 */
export interface KubeClusterOptions {
  /** The audit level for every request but kwok's and the apiserver's own (default Metadata). */
  auditLevel?: AuditLevel;
}

export interface RunningKubeCluster {
  /** https://127.0.0.1:PORT */
  url: string;
  /** The CA that signed the apiserver's (and kwok's) serving certificate, and client certificates. */
  caPem: string;
  caCertFile: string;
  caKeyFile: string;
  tokens: Tokens;
  /** Writes (once) and returns the path of a kubeconfig that authenticates as `identity`. */
  kubeconfigFor(identity: Identity): string;
  /** The apiserver's audit log: one audit.k8s.io/v1 Event as JSON per line. */
  auditLogPath: string;
  /** Where alice has permissions; the fake node pods must name in spec.nodeName (no scheduler runs). */
  namespace: string;
  nodeName: string;
  /** Where `kubectl exec` commands run, as local processes of this machine. */
  execWorkDir: string;
  /** The log every pod's containers show; append to it with `appendPodLog`. */
  podLogPath: string;
  appendPodLog(lines: string[], stream?: "stdout" | "stderr"): void;
  /** The local port every pod port forwards to: an echo server the cluster runs. */
  portForwardTarget: number;
  /** kubectl's environment as `identity`: its kubeconfig, and a discovery cache of this cluster's own. */
  kubectlEnv(identity: Identity): NodeJS.ProcessEnv;
  /** One JSON request with `identity`'s token, without kubectl. */
  api(identity: Identity, method: string, path: string, body?: unknown): Promise<ApiResponse>;
  tools: KubeTools;
  /** The temporary directory holding everything (logs of etcd, kube-apiserver and kwok included). */
  dir: string;
  /** Kills etcd, kube-apiserver and kwok (with what they started) and removes the directory. Safe to call twice. */
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 60_000;
const live = new Set<() => void>();
let exitHookInstalled = false;

/** Starts a cluster; see RunningKubeCluster. Rejects (leaving nothing behind) when a part does not come up. */
export async function startKubeCluster(options: KubeClusterOptions = {}): Promise<RunningKubeCluster> {
  const tools = kubeTools();
  const dir = mkdtempSync(join(tmpdir(), "portcullis-kube-"));
  const daemons: Daemon[] = [];
  let echo: Server | undefined;
  let reaper: { stop(): void } | undefined;
  const stopNow = (): void => {
    reaper?.stop();
    for (const daemon of daemons) daemon.killNow();
    echo?.close();
    rmSync(dir, { recursive: true, force: true });
  };
  live.add(stopNow);
  installExitHook();
  try {
    const [pki, etcdClient, etcdPeer, apiserverPort, kwokPort] = await Promise.all([makeClusterPki(dir), freePort(), freePort(), freePort(), freePort()]);
    const ports: ClusterPorts = { etcdClient, etcdPeer, apiserver: apiserverPort, kwok: kwokPort };
    const { tokens, kwokToken } = newTokens();
    const url = `https://127.0.0.1:${ports.apiserver}`;
    const target: ApiTarget = { url, caPem: pki.caCertPem };

    const files = { tokenFile: join(dir, "tokens.csv"), auditPolicyFile: join(dir, "audit-policy.json"), auditLogPath: join(dir, "audit.log") };
    writeFileSync(files.tokenFile, tokenAuthFile(tokens, kwokToken), { mode: 0o600 });
    writeFileSync(files.auditPolicyFile, auditPolicy(options.auditLevel ?? "Metadata"));

    const execWorkDir = join(dir, "pod-root");
    mkdirSync(execWorkDir);
    const podLogPath = join(dir, "pod.log");
    writeFileSync(podLogPath, "");
    echo = await startEchoServer();
    const portForwardTarget = (echo.address() as { port: number }).port;
    const kwokConfigFile = join(dir, "kwok.yaml");
    writeFileSync(kwokConfigFile, kwokConfig(tools.kwokStagesDir, { execWorkDir, podLogPath, portForwardTarget }));
    const kwokKubeconfig = join(dir, "kwok.kubeconfig");
    writeFileSync(kwokKubeconfig, kubeconfig(url, pki.caCertPem, KWOK_IDENTITY.user, kwokToken), { mode: 0o600 });

    // All three start at once: the apiserver retries etcd and kwok waits for the apiserver, which is
    // faster than starting each only when the one before answers.
    const etcd = startEtcd(tools, dir, ports);
    daemons.push(etcd);
    const apiserver = startApiserver(tools, dir, ports, pki, files);
    daemons.push(apiserver);
    const kwok = startKwok(tools, dir, ports, pki, kwokKubeconfig, kwokConfigFile);
    daemons.push(kwok);
    reaper = startReaper(daemons, dir);

    await waitUntil("kube-apiserver /readyz", async () => (await apiRequest(target, tokens.admin, "GET", "/readyz", undefined, 2_000)).status === 200, daemons, READY_TIMEOUT_MS);
    await bootstrap(target, tokens.admin);
    await waitUntil(`node ${NODE_NAME} Ready (kwok)`, async () => nodeReady(await apiRequest(target, tokens.admin, "GET", `/api/v1/nodes/${NODE_NAME}`)), daemons, READY_TIMEOUT_MS);

    const kubeconfigs = new Map<Identity, string>();
    const kubeconfigFor = (identity: Identity): string => {
      let path = kubeconfigs.get(identity);
      if (path === undefined) {
        path = join(dir, `${identity}.kubeconfig`);
        writeFileSync(path, kubeconfig(url, pki.caCertPem, IDENTITIES[identity].user, tokens[identity]), { mode: 0o600 });
        kubeconfigs.set(identity, path);
      }
      return path;
    };
    // kubectl caches discovery under ~/.kube/cache by host:port; a port reused by a later cluster
    // would read the old one, so each cluster keeps its own cache.
    const kubectlEnv = (identity: Identity): NodeJS.ProcessEnv => ({ ...process.env, KUBECONFIG: kubeconfigFor(identity), KUBECACHEDIR: join(dir, "kubectl-cache") });

    let stopped: Promise<void> | undefined;
    return {
      url,
      caPem: pki.caCertPem,
      caCertFile: pki.caCertFile,
      caKeyFile: pki.caKeyFile,
      tokens,
      kubeconfigFor,
      auditLogPath: files.auditLogPath,
      namespace: TEAM_NAMESPACE,
      nodeName: NODE_NAME,
      execWorkDir,
      podLogPath,
      appendPodLog: (lines, stream) => appendCriLog(podLogPath, lines, stream),
      portForwardTarget,
      kubectlEnv,
      api: (identity, method, path, body) => apiRequest(target, tokens[identity], method, path, body),
      tools,
      dir,
      stop() {
        stopped ??= (async () => {
          live.delete(stopNow);
          stopNow();
          await Promise.all(daemons.map((d) => d.exited));
        })();
        return stopped;
      },
    };
  } catch (error) {
    live.delete(stopNow);
    stopNow();
    throw error;
  }
}

function nodeReady(res: ApiResponse): boolean {
  if (res.status !== 200) return false;
  const node = JSON.parse(res.body) as { status?: { conditions?: Array<{ type: string; status: string }> } };
  return node.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
}

/** What every pod port forwards to: it sends back what it receives, so a test sees both directions. */
function startEchoServer(): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer((socket) => {
      socket.on("error", () => socket.destroy());
      socket.pipe(socket);
    });
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => resolve(server));
  });
}

/** A test that crashes or forgets stop() must not leave etcd, an apiserver or kwok behind. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const stopNow of live) stopNow();
  });
}
