import { createObject, type ApiTarget } from "./api-request.js";
import { IDENTITIES } from "./identities.js";

/** The namespace where alice has permissions; the fake node every test pod runs on (set spec.nodeName: there is no scheduler). */
export const TEAM_NAMESPACE = "team-a";
export const NODE_NAME = "kwok-node-0";

const rbac = "/apis/rbac.authorization.k8s.io/v1";

/**
 * The objects every test cluster starts with, in creation order (collection path, object):
 * - the gateway's ClusterRole: `impersonate` on users and groups, nothing else (no service accounts,
 *   no uids, no userextras: a request carrying Impersonate-Extra-* needs a rule per key);
 * - in `team-a`, alice may work with pods (including exec, attach, port-forward and logs),
 *   ConfigMaps, Deployments and Jobs, and group `dev` may read Services, so an impersonation without the group differs;
 *   nobody but the admin may read Secrets;
 * - the fake node kwok manages (selected by its annotation), at 127.0.0.1 once kwok initialises it.
 */
export function bootstrapObjects(): Array<[string, unknown]> {
  const gateway = IDENTITIES.gateway.user;
  const alice = IDENTITIES.alice.user;
  const ns = TEAM_NAMESPACE;
  const meta = (name: string) => ({ name, namespace: ns });
  return [
    ["/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } }],
    [`${rbac}/clusterroles`, {
      apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", metadata: { name: "portcullis-gateway-impersonator" },
      rules: [{ apiGroups: [""], resources: ["users", "groups"], verbs: ["impersonate"] }],
    }],
    [`${rbac}/clusterrolebindings`, {
      apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRoleBinding", metadata: { name: "portcullis-gateway-impersonator" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "portcullis-gateway-impersonator" },
      subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: gateway }],
    }],
    [`${rbac}/namespaces/${ns}/roles`, {
      apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role", metadata: meta("developer"),
      rules: [
        { apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch", "create", "update", "patch", "delete"] },
        { apiGroups: [""], resources: ["pods/log"], verbs: ["get"] },
        // WebSocket upgrades are GETs the apiserver authorizes as `create`; SPDY ones are POSTs.
        { apiGroups: [""], resources: ["pods/exec", "pods/attach", "pods/portforward"], verbs: ["create", "get"] },
        { apiGroups: [""], resources: ["configmaps"], verbs: ["get", "list", "watch", "create", "update", "patch", "delete"] },
        { apiGroups: ["apps"], resources: ["deployments"], verbs: ["get", "list", "watch", "create", "update", "patch", "delete"] },
        { apiGroups: ["batch"], resources: ["jobs"], verbs: ["get", "list", "watch", "create", "update", "patch", "delete"] },
      ],
    }],
    [`${rbac}/namespaces/${ns}/rolebindings`, {
      apiVersion: "rbac.authorization.k8s.io/v1", kind: "RoleBinding", metadata: meta("alice-developer"),
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "developer" },
      subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: alice }],
    }],
    [`${rbac}/namespaces/${ns}/roles`, {
      apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role", metadata: meta("service-reader"),
      rules: [{ apiGroups: [""], resources: ["services"], verbs: ["get", "list", "watch"] }],
    }],
    [`${rbac}/namespaces/${ns}/rolebindings`, {
      apiVersion: "rbac.authorization.k8s.io/v1", kind: "RoleBinding", metadata: meta("dev-service-reader"),
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "service-reader" },
      subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: "dev" }],
    }],
    ["/api/v1/nodes", {
      apiVersion: "v1", kind: "Node",
      metadata: { name: NODE_NAME, annotations: { "kwok.x-k8s.io/node": "fake" }, labels: { "kubernetes.io/hostname": NODE_NAME, type: "kwok" } },
    }],
  ];
}

/** Creates the objects above as the admin; the RBAC ones must exist before any test asks. */
export async function bootstrap(target: ApiTarget, adminToken: string): Promise<void> {
  for (const [path, object] of bootstrapObjects()) await createObject(target, adminToken, path, object);
}
