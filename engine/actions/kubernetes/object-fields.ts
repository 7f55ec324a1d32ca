/**
 * What a create, update or patch writes, for pod-security policy: the object's kind and name, and from
 * every pod spec it holds (a Pod, a Deployment's template, a CronJob's job template, a patch of any of
 * them) the images, privileged containers, hostPath volumes, host namespaces, added capabilities,
 * service accounts and root users. The body is searched at every depth rather than by kind, so a kind
 * the gateway does not know (a CRD that embeds a pod template) cannot hide a privileged container; a
 * field found where it means something else only makes the policy stricter.
 * https://kubernetes.io/docs/concepts/security/pod-security-standards/
 */
import { duplicateKey } from "./duplicate-keys.js";
import { parseYamlBody } from "./yaml-body.js";
import { readProtobufEnvelope } from "./protobuf-envelope.js";
import { decodeProtobufObject, decodesProtobuf, type ResourceType } from "./protobuf-object.js";
import type { KubernetesAction, KubernetesObjectFields } from "./types.js";

/** The apiserver's own limit on a request body (3 MiB); the gateway reads no more. */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;

const CONTAINER_LISTS = new Set(["containers", "initContainers", "ephemeralContainers"]);

type PatchType = NonNullable<KubernetesAction["patch_type"]>;

const PATCH_TYPES: Record<string, PatchType> = {
  "application/json-patch+json": "json",
  "application/merge-patch+json": "merge",
  "application/strategic-merge-patch+json": "strategic",
  "application/apply-patch+yaml": "apply",
};

/**
 * Resources whose bodies hold no pod spec and nothing else policy reads: kubectl 1.37 sends these as
 * protobuf (create configmap, create token, auth can-i, auth whoami), which the gateway accepts
 * unread because the apiserver decodes a body as the type of the resource in the URL. Any other
 * resource (pods, workloads, custom resources) must send JSON or YAML.
 */
const OPAQUE_BODY_RESOURCES = new Set(["configmaps", "secrets", "serviceaccounts", "services", "namespaces", "events", "selfsubjectaccessreviews", "selfsubjectrulesreviews", "selfsubjectreviews", "localsubjectaccessreviews", "subjectaccessreviews", "tokenreviews", "leases"]);

/** Media types the gateway does not read, accepted only for OPAQUE_BODY_RESOURCES. */
const BINARY_TYPES = new Set(["application/vnd.kubernetes.protobuf", "application/cbor"]);

export type ReadBody = { ok: true; fields: KubernetesObjectFields; patch_type?: PatchType } | { ok: false; message: string };

function emptyFields(): KubernetesObjectFields {
  return { images: [], privileged: false, allow_privilege_escalation: false, host_paths: [], host_network: false, host_pid: false, host_ipc: false, added_capabilities: [], service_accounts: [], run_as_root: false };
}

/** The media type without parameters, lower-cased (`application/json; charset=utf-8` → `application/json`). */
export function mediaType(contentType: string): string {
  return (contentType.split(";")[0] ?? "").trim().toLowerCase();
}

/**
 * Reads a write's body by its content type; what cannot be read (broken JSON, CBOR or protobuf for a
 * resource it is not read for) is an error the policy denies. `body` is the UTF-8 text, or the bytes
 * of a body that is not UTF-8 text; `resource` is where the URL sends it.
 */
export function readBody(method: string, contentType: string, body: string | Buffer, resource: ResourceType & { subresource: string }): ReadBody {
  if (body.length > MAX_BODY_BYTES) return { ok: false, message: `the body is larger than ${MAX_BODY_BYTES} bytes` };
  if (body.length === 0) return { ok: false, message: "the request has no body" };
  const media = mediaType(contentType || "application/json");
  if (BINARY_TYPES.has(media)) return readBinaryBody(method, media, typeof body === "string" ? Buffer.from(body, "utf8") : body, resource);
  if (typeof body !== "string") return { ok: false, message: `the body is not UTF-8 text, as ${JSON.stringify(media)} must be` };
  if (body.trim() === "") return { ok: false, message: "the request has no body" };
  const patchType = method === "PATCH" ? PATCH_TYPES[media] : undefined;
  if (method === "PATCH" && !patchType) return { ok: false, message: `a PATCH with content type ${JSON.stringify(media)} is not a patch the gateway can read` };
  const parsed = patchType === "apply" || media === "application/yaml" ? parseYamlBody(body) : parseJson(body, media);
  if (!parsed.ok) return parsed;
  const fields = emptyFields();
  if (patchType === "json") {
    const problem = readJsonPatch(parsed.value, fields);
    if (problem) return { ok: false, message: problem };
  } else {
    if (typeof parsed.value !== "object" || parsed.value === null || Array.isArray(parsed.value)) return { ok: false, message: "the body is not an object" };
    readObject(parsed.value as Record<string, unknown>, fields);
  }
  sortLists(fields);
  return patchType ? { ok: true, fields, patch_type: patchType } : { ok: true, fields };
}

/**
 * The lists in code-point order: what an object holds, not where its encoding put it (JSON lists
 * init containers before containers, protobuf the other way round), so a policy reads the same
 * document whichever encoding the client chose.
 */
function sortLists(fields: KubernetesObjectFields): void {
  for (const list of [fields.images, fields.host_paths, fields.added_capabilities, fields.service_accounts]) list.sort();
}

function readBinaryBody(method: string, type: string, body: Buffer, resource: ResourceType & { subresource: string }): ReadBody {
  if (type === "application/vnd.kubernetes.protobuf" && method !== "PATCH" && resource.subresource === "" && decodesProtobuf(resource)) {
    // A pod spec's kind: decoded with the API's own schema and read as its JSON would be.
    const decoded = decodeProtobufObject(body, resource);
    if (!decoded.ok) return decoded;
    const fields = emptyFields();
    readObject(decoded.object, fields);
    sortLists(fields);
    return { ok: true, fields };
  }
  // serviceaccounts/token is a TokenRequest; any other subresource of these is read as its resource.
  const opaque = method !== "PATCH" && OPAQUE_BODY_RESOURCES.has(resource.resource) && (resource.subresource === "" || resource.subresource === "token" || resource.subresource === "status");
  if (!opaque) return { ok: false, message: `request bodies of type ${JSON.stringify(type)} are read only for resources that hold no pod spec and for the built-in kinds that do; send JSON (kubectl apply does)` };
  const fields = emptyFields();
  const envelope = type === "application/vnd.kubernetes.protobuf" ? readProtobufEnvelope(body) : undefined;
  if (envelope?.kind) fields.kind = envelope.kind;
  if (envelope?.api_version) fields.api_version = envelope.api_version;
  if (envelope?.name) fields.name = envelope.name;
  if (envelope?.namespace) fields.namespace = envelope.namespace;
  return { ok: true, fields };
}

type Parsed = { ok: true; value: unknown } | { ok: false; message: string };

function parseJson(body: string, type: string): Parsed {
  if (type !== "application/json" && !type.endsWith("+json")) return { ok: false, message: `request bodies of type ${JSON.stringify(type)} are not read by the gateway; send JSON` };
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (error) {
    return { ok: false, message: `the body is not valid JSON: ${(error as Error).message}` };
  }
  const twice = duplicateKey(body);
  if (twice !== undefined) return { ok: false, message: `the body names ${JSON.stringify(twice)} twice in one object, which the apiserver would merge and the gateway does not` };
  return { ok: true, value };
}


function readObject(object: Record<string, unknown>, fields: KubernetesObjectFields): void {
  if (typeof object.kind === "string") fields.kind = object.kind;
  if (typeof object.apiVersion === "string") fields.api_version = object.apiVersion;
  const metadata = object.metadata as Record<string, unknown> | undefined;
  if (typeof metadata?.name === "string") fields.name = metadata.name;
  if (typeof metadata?.namespace === "string") fields.namespace = metadata.namespace;
  const spec = object.spec as Record<string, unknown> | undefined;
  if (typeof spec?.replicas === "number") fields.replicas = spec.replicas;
  walk(object, fields);
}

/** Every field at every depth, by its key. */
function walk(value: unknown, fields: KubernetesObjectFields): void {
  if (Array.isArray(value)) {
    for (const item of value) walk(item, fields);
    return;
  }
  if (typeof value !== "object" || value === null) return;
  for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
    field(key, child, fields);
    walk(child, fields);
  }
}

/** One key and its value: what it says about pod security, if anything. */
function field(key: string, value: unknown, fields: KubernetesObjectFields): void {
  if (CONTAINER_LISTS.has(key) && Array.isArray(value)) {
    for (const container of value) {
      const image = (container as Record<string, unknown> | null)?.image;
      if (typeof image === "string") fields.images.push(image);
    }
  }
  switch (key) {
    case "privileged":
      if (value === true) fields.privileged = true;
      break;
    case "allowPrivilegeEscalation":
      if (value === true) fields.allow_privilege_escalation = true;
      break;
    case "hostPath":
      if (typeof value === "object" && value !== null) {
        const path = (value as Record<string, unknown>).path;
        fields.host_paths.push(typeof path === "string" ? path : "");
      }
      break;
    case "hostNetwork":
      if (value === true) fields.host_network = true;
      break;
    case "hostPID":
      if (value === true) fields.host_pid = true;
      break;
    case "hostIPC":
      if (value === true) fields.host_ipc = true;
      break;
    case "capabilities": {
      const add = (value as Record<string, unknown> | null)?.add;
      if (Array.isArray(add)) for (const cap of add) addCapability(String(cap), fields);
      break;
    }
    case "serviceAccountName":
    case "serviceAccount":
      // "" is the namespace's default account, as leaving it out is (protobuf always carries the field).
      if (typeof value === "string" && value !== "" && !fields.service_accounts.includes(value)) fields.service_accounts.push(value);
      break;
    case "runAsUser":
      if (value === 0) fields.run_as_root = true;
      break;
    case "runAsNonRoot":
      if (value === false) fields.run_as_root = true;
      break;
  }
}

function addCapability(cap: string, fields: KubernetesObjectFields): void {
  const name = cap.toUpperCase();
  if (!fields.added_capabilities.includes(name)) fields.added_capabilities.push(name);
}

/**
 * A JSON patch (RFC 6902): each value is read as if it stood under the last key of its path, so
 * `{op: add, path: /spec/template/spec/containers/0/securityContext/privileged, value: true}` is a
 * privileged container. `move` and `copy` write values the request does not show: refused.
 */
function readJsonPatch(patch: unknown, fields: KubernetesObjectFields): string | undefined {
  if (!Array.isArray(patch)) return "a JSON patch must be an array of operations";
  for (const operation of patch) {
    const { op, path, value } = (operation ?? {}) as Record<string, unknown>;
    if (typeof op !== "string" || typeof path !== "string") return "a JSON patch operation needs an op and a path";
    if (op === "move" || op === "copy") return `a JSON patch ${op} writes values the request does not show`;
    if (op !== "add" && op !== "replace") continue;
    const keys = path.split("/").slice(1).map((k) => k.replace(/~1/g, "/").replace(/~0/g, "~"));
    if (keys.length === 0) {
      if (typeof value === "object" && value !== null && !Array.isArray(value)) readObject(value as Record<string, unknown>, fields);
      continue;
    }
    let last = keys[keys.length - 1]!;
    let under: unknown = value;
    // An array element (`/containers/0`, `/containers/-`) stands under its array's key.
    if ((/^\d+$/.test(last) || last === "-") && keys.length > 1) {
      last = keys[keys.length - 2]!;
      under = [value];
    }
    if (last === "image" && typeof value === "string") fields.images.push(value);
    if (path === "/spec/replicas" && typeof value === "number") fields.replicas = value;
    walk({ [last]: under }, fields);
  }
  return undefined;
}
