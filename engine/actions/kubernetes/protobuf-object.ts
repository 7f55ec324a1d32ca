/**
 * Protobuf request bodies of the kinds that hold a pod spec, decoded with the Kubernetes API's own
 * schema (schemas/kubernetes-protobuf.json, made from the pinned k8s.io/api generated.proto files by
 * scripts/kube-protobuf-descriptor.mjs) into the object the JSON API would show, so the same reader
 * finds the same pod-security fields whichever encoding kubectl chose (1.37 sends protobuf for
 * `kubectl create deployment`, `create job`, `run`). The message type comes from the URL's group,
 * version and resource, as the apiserver decodes a body as the type of the resource it is sent to;
 * anything else, or bytes the schema does not decode whole, is not read.
 * https://kubernetes.io/docs/reference/using-api/api-concepts/#protobuf-encoding
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import protobuf from "protobufjs";
import { schemasDir } from "../../paths.js";

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

/** `group/version/resource` → the message its bodies are. */
const MESSAGES: Record<string, string> = {
  "/v1/pods": "k8s.io.api.core.v1.Pod",
  "/v1/podtemplates": "k8s.io.api.core.v1.PodTemplate",
  "/v1/replicationcontrollers": "k8s.io.api.core.v1.ReplicationController",
  "apps/v1/deployments": "k8s.io.api.apps.v1.Deployment",
  "apps/v1/replicasets": "k8s.io.api.apps.v1.ReplicaSet",
  "apps/v1/statefulsets": "k8s.io.api.apps.v1.StatefulSet",
  "apps/v1/daemonsets": "k8s.io.api.apps.v1.DaemonSet",
  "batch/v1/jobs": "k8s.io.api.batch.v1.Job",
  "batch/v1/cronjobs": "k8s.io.api.batch.v1.CronJob",
};

let root: protobuf.Root | undefined;

function schema(): protobuf.Root {
  root ??= protobuf.Root.fromJSON(JSON.parse(readFileSync(join(schemasDir, "kubernetes-protobuf.json"), "utf8")) as protobuf.INamespace);
  return root;
}

export interface ResourceType {
  group: string;
  version: string;
  resource: string;
}

/** True when protobuf bodies sent to this resource are decoded (it holds a pod spec the gateway reads). */
export function decodesProtobuf(type: ResourceType): boolean {
  return `${type.group}/${type.version}/${type.resource}` in MESSAGES;
}

export type DecodedObject = { ok: true; object: Record<string, unknown> } | { ok: false; message: string };

/**
 * The object in a `k8s\0` + runtime.Unknown envelope, as JSON field names and values: the envelope's
 * apiVersion and kind, and the raw bytes decoded as the resource's message. Fails on anything the
 * schema cannot read whole: no envelope, a content encoding, a truncated or malformed message.
 */
export function decodeProtobufObject(body: Buffer, type: ResourceType): DecodedObject {
  const name = MESSAGES[`${type.group}/${type.version}/${type.resource}`];
  if (!name) return { ok: false, message: `protobuf bodies for ${type.resource} are not read` };
  if (body.length < MAGIC.length || !body.subarray(0, MAGIC.length).equals(MAGIC)) return { ok: false, message: "the protobuf body has no Kubernetes envelope (k8s\\0)" };
  try {
    const unknown = protobuf.Reader.create(body.subarray(MAGIC.length));
    let apiVersion: string | undefined;
    let kind: string | undefined;
    let raw: Uint8Array | undefined;
    let encoding = "";
    while (unknown.pos < unknown.len) {
      const tag = unknown.uint32();
      const field = tag >>> 3;
      if (field === 1 && (tag & 7) === 2) {
        const meta = protobuf.Reader.create(unknown.bytes());
        while (meta.pos < meta.len) {
          const inner = meta.uint32();
          if (inner >>> 3 === 1 && (inner & 7) === 2) apiVersion = meta.string();
          else if (inner >>> 3 === 2 && (inner & 7) === 2) kind = meta.string();
          else meta.skipType(inner & 7);
        }
      } else if (field === 2 && (tag & 7) === 2) raw = unknown.bytes();
      else if (field === 3 && (tag & 7) === 2) encoding = unknown.string();
      else unknown.skipType(tag & 7);
    }
    if (encoding !== "") return { ok: false, message: `the protobuf body has content encoding ${JSON.stringify(encoding)}, which the gateway does not read` };
    if (!raw) return { ok: false, message: "the protobuf envelope holds no object" };
    const message = schema().lookupType(name);
    const twice = singularTwice(message, raw);
    if (twice) return { ok: false, message: `the protobuf body sets ${twice} more than once, which the apiserver would merge and the gateway does not` };
    const decoded = message.decode(raw);
    const object = message.toObject(decoded, { longs: Number, enums: String, bytes: String, defaults: false, arrays: false }) as Record<string, unknown>;
    return { ok: true, object: { ...(apiVersion ? { apiVersion } : {}), ...(kind ? { kind } : {}), ...object } };
  } catch (error) {
    return { ok: false, message: `the protobuf body does not decode as ${name.split(".").pop()}: ${(error as Error).message}` };
  }
}

/**
 * The first singular field (a path like `spec.template`) that a message sets more than once, at any
 * depth. Go's protobuf decoding merges a repeated embedded message into the one before it (the
 * containers of both `spec`s end up in the pod), while protobufjs keeps the last: a body the two read
 * differently is refused rather than decided on the gateway's reading.
 */
function singularTwice(type: protobuf.Type, bytes: Uint8Array, path = ""): string | undefined {
  const reader = protobuf.Reader.create(bytes);
  const seen = new Set<number>();
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    const id = tag >>> 3;
    const wire = tag & 7;
    const field = type.fieldsById[id];
    if (!field || field.map || wire !== 2) {
      reader.skipType(wire);
      if (field && !field.repeated && !field.map && seen.has(id)) return `${path}${field.name}`;
      if (field) seen.add(id);
      continue;
    }
    if (!field.repeated && seen.has(id)) return `${path}${field.name}`;
    seen.add(id);
    const value = reader.bytes();
    const inner = field.resolve().resolvedType;
    if (inner instanceof protobuf.Type) {
      const found = singularTwice(inner, value, `${path}${field.name}.`);
      if (found) return found;
    }
  }
  return undefined;
}
