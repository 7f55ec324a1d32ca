/**
 * The `kubernetes` action document: what one Kubernetes API request does, with the request attributes
 * exactly as the apiserver derives them (its RequestInfo), so a policy decides on what the apiserver
 * authorizes. These types mirror `schemas/action.kubernetes.json`, the contract policies are written against.
 */
import type { ShellAction } from "../shell/types.js";

/** The verbs the apiserver derives for resource requests; a non-resource request's verb is its method, lower-cased. */
export type KubernetesVerb = "get" | "list" | "watch" | "create" | "update" | "patch" | "delete" | "deletecollection" | "proxy" | (string & {});

/** The fields of a written object that policies need for pod security, collected from every pod spec it holds. */
export interface KubernetesObjectFields {
  /** `kind` of the object sent (absent for a patch that does not say). */
  kind?: string;
  api_version?: string;
  /** The object's own name and namespace as written in its metadata. */
  name?: string;
  namespace?: string;
  /** Every container image (containers, init containers, ephemeral containers), sorted (the same whichever encoding the body used). */
  images: string[];
  /** Some container runs privileged (`securityContext.privileged: true`). */
  privileged: boolean;
  /** Some container may escalate privileges (`allowPrivilegeEscalation: true`). */
  allow_privilege_escalation: boolean;
  /** Every hostPath volume's path. */
  host_paths: string[];
  host_network: boolean;
  host_pid: boolean;
  host_ipc: boolean;
  /** Capabilities added to any container (`securityContext.capabilities.add`), upper-cased, without repeats. */
  added_capabilities: string[];
  /** `serviceAccountName` (or the older `serviceAccount`) of any pod spec. */
  service_accounts: string[];
  /** Some pod or container may run as root: `runAsUser: 0`, or `runAsNonRoot: false`. */
  run_as_root: boolean;
  /** `spec.replicas` when the object (or patch, or scale) sets it. */
  replicas?: number;
}

export interface KubernetesParseError {
  message: string;
  /** 0-based character offset into the request text where reading stopped (0 when it is the request as a whole). */
  position: number;
}

/** The request attributes as the apiserver's RequestInfo holds them (what RBAC and the audit log see). */
export interface KubernetesRequestInfo {
  /** True for an API resource request (/api/…, /apis/…); false for a non-resource URL such as /healthz or /version. */
  resource_request: boolean;
  /**
   * The apiserver's verb. Resource requests: get, list, watch, create, update, patch, delete,
   * deletecollection, proxy; `create` for exec, attach and portforward whatever the method (the apiserver
   * authorizes a WebSocket GET on them as create). Non-resource requests: the method, lower-cased.
   */
  verb: KubernetesVerb;
  /** "api" or "apis" for resource requests; empty otherwise. */
  api_prefix: string;
  /** The API group; "" for the core group. */
  group: string;
  version: string;
  resource: string;
  subresource: string;
  namespace: string;
  name: string;
  /** The labelSelector and fieldSelector of a list, watch or deletecollection, as sent; "" when none. */
  label_selector: string;
  field_selector: string;
}

export interface KubernetesAction extends KubernetesRequestInfo {
  kind: "kubernetes";
  /** The HTTP method as sent (GET, POST, …). */
  method: string;
  /** The URL path, percent-decoded, as the apiserver reads it. */
  path: string;
  /** The request asks for a dry run (`dryRun=All`): nothing is persisted. */
  dry_run: boolean;
  /** exec and attach: the container asked for ("" for the pod's default). */
  container?: string;
  stdin?: boolean;
  tty?: boolean;
  /** exec: the argv, as sent. */
  command?: string[];
  /** exec: the argv, quoted and read by the shell normalizer, so `sh -c 'rm -rf /'` is the `rm` an SSH gateway sees. */
  shell?: ShellAction;
  /** portforward: the ports asked for. */
  ports?: number[];
  /** create, update, patch: the body's media type, and for a patch its kind (json, merge, strategic, apply). */
  content_type?: string;
  patch_type?: "json" | "merge" | "strategic" | "apply";
  /** create, update, patch: what the body writes. */
  object?: KubernetesObjectFields;
  /** Impersonation the client asked for with Impersonate-* headers (refused unless the policy allows exactly it). */
  impersonate?: { user?: string; uid?: string; groups: string[]; extra: Record<string, string[]> };
  /** Present when the request could not be read; the policy denies it. */
  parse_error?: KubernetesParseError;
}
