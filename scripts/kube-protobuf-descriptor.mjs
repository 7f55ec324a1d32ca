#!/usr/bin/env node
// Writes schemas/kubernetes-protobuf.json: the Kubernetes API's own protobuf schema (the
// generated.proto files of k8s.io/api and k8s.io/apimachinery, at the version tools/kubernetes/go.mod
// pins) for the kinds that hold a pod spec, pruned to the messages they reach. The gateway decodes
// protobuf request bodies with it (engine/actions/kubernetes/protobuf-object.ts). Run after
// `npm run setup` has the modules in Go's module cache:  node scripts/kube-protobuf-descriptor.mjs
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import protobuf from "protobufjs";

const VERSION = "v0.37.2";
const ROOTS = [
  "k8s.io.api.core.v1.Pod", "k8s.io.api.core.v1.PodTemplate", "k8s.io.api.core.v1.ReplicationController",
  "k8s.io.api.apps.v1.Deployment", "k8s.io.api.apps.v1.ReplicaSet", "k8s.io.api.apps.v1.StatefulSet", "k8s.io.api.apps.v1.DaemonSet",
  "k8s.io.api.batch.v1.Job", "k8s.io.api.batch.v1.CronJob",
];
const modcache = execFileSync("go", ["env", "GOMODCACHE"], { encoding: "utf8" }).trim();
const root = new protobuf.Root();
root.resolvePath = (_origin, target) => {
  const [, module, rest] = /^(k8s\.io\/(?:api|apimachinery))\/(.*)$/.exec(target) ?? [];
  return module ? join(modcache, `${module}@${VERSION}`, rest) : target;
};
root.loadSync(["k8s.io/api/core/v1/generated.proto", "k8s.io/api/apps/v1/generated.proto", "k8s.io/api/batch/v1/generated.proto"], { keepCase: true });
root.resolveAll();

// Every message and enum reachable from the roots, by full name.
const keep = new Set();
const visit = (type) => {
  if (keep.has(type.fullName)) return;
  keep.add(type.fullName);
  if (type instanceof protobuf.Type) for (const field of type.fieldsArray) if (field.resolvedType) visit(field.resolvedType);
};
for (const name of ROOTS) visit(root.lookupType(name));

// The pruned schema as protobufjs JSON: nested namespaces holding only what is kept.
const prune = (namespace) => {
  const nested = {};
  for (const child of namespace.nestedArray) {
    if (child instanceof protobuf.Type || child instanceof protobuf.Enum) {
      if (keep.has(child.fullName)) nested[child.name] = child.toJSON({ keepComments: false });
    } else if (child instanceof protobuf.Namespace) {
      const inner = prune(child);
      if (Object.keys(inner).length > 0) nested[child.name] = { nested: inner };
    }
  }
  return nested;
};
const out = join(import.meta.dirname, "..", "schemas", "kubernetes-protobuf.json");
writeFileSync(out, `${JSON.stringify({ version: VERSION, roots: ROOTS, nested: prune(root) })}\n`);
console.log(`wrote ${out}: ${keep.size} messages and enums`);
