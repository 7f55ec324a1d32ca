/**
 * A kubeconfig with one cluster, one user (a bearer token) and one current context. JSON is YAML, so
 * kubectl and client-go read it as it is.
 */
export function kubeconfig(url: string, caPem: string, user: string, token: string): string {
  return JSON.stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "portcullis", cluster: { server: url, "certificate-authority-data": Buffer.from(caPem).toString("base64") } }],
    users: [{ name: user, user: { token } }],
    contexts: [{ name: user, context: { cluster: "portcullis", user } }],
    "current-context": user,
    preferences: {},
  }, null, 2);
}
