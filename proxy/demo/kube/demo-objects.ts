import { apiRequest, createObject, type ApiTarget } from "./api-request.js";
import { NODE_NAME } from "./bootstrap.js";

/** The demo's namespace: labelled env=prod, as the target it is reached through is tagged. */
export const DEMO_NAMESPACE = "demo";
export const DEMO_POD = "web-1";
export const DEMO_DEPLOYMENT = "web";
export const DEMO_SECRET = "db";

const rbac = "/apis/rbac.authorization.k8s.io/v1";
/** The demo identity provider's groups (demo-users.ts): every person may work in the namespace. */
const PEOPLE_GROUPS = ["engineering", "oncall", "dba"];

/**
 * What the demo's cluster holds besides the test bootstrap (collection path, object): the namespace,
 * a Role letting the demo's people do what a developer does there (RBAC is the cluster's own limit;
 * the gateway's policy decides within it), a Secret whose values the policy masks, a Deployment to
 * delete, and a pod on the fake node to exec into (kwok runs its exec commands as local processes).
 */
export function demoObjects(): Array<[string, unknown]> {
  const ns = DEMO_NAMESPACE;
  const meta = (name: string, extra: Record<string, unknown> = {}) => ({ name, namespace: ns, ...extra });
  const podSpec = { nodeName: NODE_NAME, containers: [{ name: "web", image: "registry.invalid/demo/web:1.0" }] };
  return [
    ["/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: ns, labels: { env: "prod" } } }],
    [`${rbac}/namespaces/${ns}/roles`, {
      apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role", metadata: meta("demo-developer"),
      rules: [
        { apiGroups: [""], resources: ["pods", "configmaps", "services"], verbs: ["get", "list", "watch", "create", "update", "patch", "delete"] },
        { apiGroups: [""], resources: ["pods/log"], verbs: ["get"] },
        // WebSocket upgrades are GETs the apiserver authorizes as `create`; SPDY ones are POSTs.
        { apiGroups: [""], resources: ["pods/exec", "pods/attach", "pods/portforward"], verbs: ["create", "get"] },
        { apiGroups: [""], resources: ["secrets"], verbs: ["get", "list", "watch"] },
        { apiGroups: ["apps"], resources: ["deployments", "deployments/scale"], verbs: ["get", "list", "watch", "create", "update", "patch", "delete"] },
      ],
    }],
    [`${rbac}/namespaces/${ns}/rolebindings`, {
      apiVersion: "rbac.authorization.k8s.io/v1", kind: "RoleBinding", metadata: meta("demo-people"),
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "demo-developer" },
      subjects: PEOPLE_GROUPS.map((name) => ({ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name })),
    }],
    [`/api/v1/namespaces/${ns}/secrets`, {
      apiVersion: "v1", kind: "Secret", metadata: meta(DEMO_SECRET), type: "Opaque",
      data: { username: Buffer.from("app").toString("base64"), password: Buffer.from("correct-horse-battery-staple").toString("base64") },
    }],
    [`/apis/apps/v1/namespaces/${ns}/deployments`, {
      apiVersion: "apps/v1", kind: "Deployment", metadata: meta(DEMO_DEPLOYMENT, { labels: { app: "web" } }),
      spec: { replicas: 1, selector: { matchLabels: { app: "web" } }, template: { metadata: { labels: { app: "web" } }, spec: podSpec } },
    }],
    [`/api/v1/namespaces/${ns}/pods`, { apiVersion: "v1", kind: "Pod", metadata: meta(DEMO_POD, { labels: { app: "web" } }), spec: podSpec }],
  ];
}

/** Creates the demo's objects as the admin and waits until kwok reports the pod Running. */
export async function createDemoObjects(target: ApiTarget, adminToken: string, timeoutMs = 30_000): Promise<void> {
  for (const [path, object] of demoObjects()) await createObject(target, adminToken, path, object);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await apiRequest(target, adminToken, "GET", `/api/v1/namespaces/${DEMO_NAMESPACE}/pods/${DEMO_POD}`);
    if (res.status === 200 && (JSON.parse(res.body) as { status?: { phase?: string } }).status?.phase === "Running") return;
    if (Date.now() > deadline) throw new Error(`pod ${DEMO_NAMESPACE}/${DEMO_POD} is not Running after ${timeoutMs} ms: ${res.body}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
