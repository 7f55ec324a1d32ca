/**
 * What kubectl needs to use the gateway with no extra flags: a kubeconfig whose user runs
 * `portcullis token --kube` as a client-go exec credential plugin, and the ExecCredential that command
 * prints. Pure: the commands do the I/O.
 * https://kubernetes.io/docs/reference/access-authn-authz/authentication/#client-go-credential-plugins
 */

export const EXEC_CREDENTIAL_API = "client.authentication.k8s.io/v1";

/** The ExecCredential for a gateway token; client-go asks again once `expirationTimestamp` passes. */
export function execCredential(token: string, expiresInSeconds: number | undefined, now = new Date()): string {
  const status: Record<string, string> = { token };
  if (expiresInSeconds !== undefined && Number.isFinite(expiresInSeconds)) {
    status.expirationTimestamp = new Date(now.getTime() + expiresInSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
  }
  return JSON.stringify({ apiVersion: EXEC_CREDENTIAL_API, kind: "ExecCredential", status });
}

export interface KubeconfigOptions {
  /** The gateway's Kubernetes listener, https://HOST:PORT. */
  server: string;
  target: string;
  /** The listener's CA (PEM), put in the kubeconfig. */
  caPem?: string;
  /** How to run portcullis (an absolute path), and its gateway. */
  command: string;
  gateway?: string;
}

/** A kubeconfig (JSON, which kubectl reads as YAML) with one cluster, one exec-plugin user, one current context. */
export function kubeconfigFor(options: KubeconfigOptions): string {
  const name = `portcullis-${options.target}`;
  const cluster: Record<string, string> = { server: `${options.server.replace(/\/+$/, "")}/targets/${encodeURIComponent(options.target)}` };
  if (options.caPem) cluster["certificate-authority-data"] = Buffer.from(options.caPem).toString("base64");
  const args = ["token", "--kube", "--target", options.target, ...(options.gateway ? ["--gateway", options.gateway] : [])];
  return `${JSON.stringify(
    {
      apiVersion: "v1",
      kind: "Config",
      clusters: [{ name, cluster }],
      users: [{ name, user: { exec: { apiVersion: EXEC_CREDENTIAL_API, command: options.command, args, interactiveMode: "Never", provideClusterInfo: false } } }],
      contexts: [{ name, context: { cluster: name, user: name } }],
      "current-context": name,
    },
    null,
    2,
  )}\n`;
}
