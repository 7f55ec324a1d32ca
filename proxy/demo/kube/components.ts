import { join } from "node:path";
import type { KubeTools } from "./tools.js";
import type { ClusterPki } from "./pki.js";
import { startDaemon, type Daemon } from "./daemon.js";

export interface ClusterPorts {
  etcdClient: number;
  etcdPeer: number;
  apiserver: number;
  kwok: number;
}

/**
 * etcd with its own data directory, listening on loopback only (its peer port too: the default 2380
 * would clash with anything else on the machine). No fsync: the data is thrown away.
 */
export function startEtcd(tools: KubeTools, dir: string, ports: ClusterPorts): Daemon {
  const client = `http://127.0.0.1:${ports.etcdClient}`;
  const peer = `http://127.0.0.1:${ports.etcdPeer}`;
  return startDaemon("etcd", tools.etcd, [
    "--name=portcullis",
    `--data-dir=${join(dir, "etcd")}`,
    `--listen-client-urls=${client}`,
    `--advertise-client-urls=${client}`,
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=portcullis=${peer}`,
    "--unsafe-no-fsync",
    "--log-level=warn",
  ], join(dir, "etcd.log"));
}

export interface ApiserverFiles {
  tokenFile: string;
  auditPolicyFile: string;
  auditLogPath: string;
}

/**
 * kube-apiserver on 127.0.0.1 with:
 * - static bearer tokens (--token-auth-file) and client certificates signed by the cluster CA;
 * - RBAC only: no kubelet authenticates as a node here, so the Node authorizer would decide nothing;
 * - --endpoint-reconciler-type none: there is one apiserver and nothing reads its Endpoints;
 * - no ServiceAccount admission: no controller-manager runs to create each namespace's `default`
 *   ServiceAccount, so pods would otherwise be refused in every new namespace;
 * - --allow-privileged, so privileged pods reach the gateway's policy instead of being refused here;
 * - the kubelet (kwok) reached at the node's InternalIP and verified against the cluster CA;
 * - the audit log as JSON lines, written before the request returns (blocking mode);
 * - no API Priority and Fairness: creating its bootstrap configuration costs about a second of every
 *   start, and a cluster with a handful of clients has nothing to share fairly.
 */
export function startApiserver(tools: KubeTools, dir: string, ports: ClusterPorts, pki: ClusterPki, files: ApiserverFiles): Daemon {
  return startDaemon("kube-apiserver", tools.kubeApiserver, [
    `--etcd-servers=http://127.0.0.1:${ports.etcdClient}`,
    "--bind-address=127.0.0.1",
    "--advertise-address=127.0.0.1",
    `--secure-port=${ports.apiserver}`,
    `--cert-dir=${join(dir, "apiserver-certs")}`,
    `--tls-cert-file=${pki.servingCertFile}`,
    `--tls-private-key-file=${pki.servingKeyFile}`,
    `--client-ca-file=${pki.caCertFile}`,
    `--token-auth-file=${files.tokenFile}`,
    "--authorization-mode=RBAC",
    "--endpoint-reconciler-type=none",
    "--disable-admission-plugins=ServiceAccount",
    "--allow-privileged=true",
    "--service-cluster-ip-range=10.96.0.0/16",
    "--service-account-issuer=https://kubernetes.default.svc",
    `--service-account-key-file=${pki.serviceAccountPublicKeyFile}`,
    `--service-account-signing-key-file=${pki.serviceAccountKeyFile}`,
    "--kubelet-preferred-address-types=InternalIP",
    `--kubelet-certificate-authority=${pki.caCertFile}`,
    `--audit-policy-file=${files.auditPolicyFile}`,
    `--audit-log-path=${files.auditLogPath}`,
    "--audit-log-format=json",
    "--audit-log-mode=blocking",
    "--profiling=false",
    "--enable-priority-and-fairness=false",
  ], join(dir, "kube-apiserver.log"));
}

/**
 * kwok as the only "kubelet": it manages the node annotated kwok.x-k8s.io/node=fake, reports it at
 * 127.0.0.1 with its own HTTPS port as the kubelet endpoint, and serves exec, attach, logs and
 * port-forward there as its --config says (kwok-config.ts). HOME points into the cluster directory so
 * a ~/.kwok/kwok.yaml on the machine cannot change it.
 */
export function startKwok(tools: KubeTools, dir: string, ports: ClusterPorts, pki: ClusterPki, kubeconfigFile: string, configFile: string): Daemon {
  return startDaemon("kwok", tools.kwok, [
    `--kubeconfig=${kubeconfigFile}`,
    `--config=${configFile}`,
    "--manage-all-nodes=false",
    "--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake",
    "--node-ip=127.0.0.1",
    `--node-port=${ports.kwok}`,
    `--server-address=127.0.0.1:${ports.kwok}`,
    `--tls-cert-file=${pki.servingCertFile}`,
    `--tls-private-key-file=${pki.servingKeyFile}`,
    "--cidr=10.244.0.0/16",
  ], join(dir, "kwok.log"), { ...process.env, HOME: dir });
}
