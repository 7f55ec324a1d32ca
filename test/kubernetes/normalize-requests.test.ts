import { test } from "uvu";
import * as assert from "uvu/assert";
import { kubernetesRequestText, MAX_BODY_BYTES, quoteArgv, readKubernetesRequestText } from "../../engine/actions/kubernetes/index.js";
import { normalizeRequest, unanalysedAction } from "../../engine/actions/index.js";
import { normalize, unreadable, withBody } from "./normalize-support.js";

// What an exec runs, what a write sets, and who a client asks to be: the parts of a request beyond its URL.

const EXEC = "/api/v1/namespaces/team-a/pods/web-1/exec";

test("exec: create whatever the method, with command, container, stdin and tty", () => {
  const ws = normalize(`GET ${EXEC}?command=cat&command=%2Fetc%2Fshadow&container=app&stdin=true&stdout=true&tty=false`);
  assert.equal([ws.verb, ws.subresource, ws.command, ws.container, ws.stdin, ws.tty], ["create", "exec", ["cat", "/etc/shadow"], "app", true, false]);
  const spdy = normalize(`POST ${EXEC}?command=ls&tty=1&stdin=1`);
  assert.equal([spdy.verb, spdy.tty, spdy.stdin, spdy.container, spdy.parse_error], ["create", true, true, "", undefined]);
});

test("exec: the command is read by the shell normalizer, through sh -c", () => {
  const a = normalize(`GET ${EXEC}?command=sh&command=-c&command=rm+-rf+%2F`);
  assert.equal(a.shell!.commands.map((c) => c.program), ["sh", "rm"]);
  assert.equal(a.shell!.commands[1]!.argv, ["rm", "-rf", "/"]);
  // each word is one argument, whatever it holds: no word is read as shell syntax
  const b = normalize(`GET ${EXEC}?command=echo&command=%24(rm+x)%3B+reboot`);
  assert.equal(b.shell!.commands.map((c) => c.program), ["echo"]);
  assert.equal(b.shell!.commands[0]!.argv, ["echo", "$(rm x); reboot"]);
  assert.is(b.shell!.dynamic, false);
  const c = normalize(`GET ${EXEC}?command=FOO%3D1&command=if`);
  assert.equal(c.shell!.commands[0]!.argv, ["FOO=1", "if"]);
  assert.is(quoteArgv(["it's"]), `'it'\\''s'`);
});

test("attach and portforward are create too", () => {
  const attach = normalize("POST /api/v1/namespaces/x/pods/p/attach?container=c&stdin=true&tty=true");
  assert.equal([attach.verb, attach.container, attach.stdin, attach.tty, attach.command], ["create", "c", true, true, undefined]);
  const forward = normalize("GET /api/v1/namespaces/x/pods/p/portforward?ports=8080&ports=9090");
  assert.equal([forward.verb, forward.ports], ["create", [8080, 9090]]);
  // exec on something that is not a core pod is an ordinary request
  assert.is(normalize("GET /apis/example.com/v1/namespaces/x/pods/p/exec").verb, "get");
});

test("a pod's security fields come from its spec", () => {
  const pod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "p", namespace: "x" },
    spec: {
      hostNetwork: true,
      hostPID: true,
      serviceAccountName: "builder",
      securityContext: { runAsUser: 0 },
      initContainers: [{ name: "i", image: "busybox:1" }],
      containers: [{ name: "c", image: "nginx:1", securityContext: { privileged: true, capabilities: { add: ["net_admin", "SYS_ADMIN"] } } }],
      volumes: [{ name: "root", hostPath: { path: "/" } }],
    },
  };
  const a = normalize(withBody("POST /api/v1/namespaces/x/pods", pod));
  assert.equal(a.object, {
    kind: "Pod",
    api_version: "v1",
    name: "p",
    namespace: "x",
    images: ["busybox:1", "nginx:1"],
    privileged: true,
    allow_privilege_escalation: false,
    host_paths: ["/"],
    host_network: true,
    host_pid: true,
    host_ipc: false,
    added_capabilities: ["NET_ADMIN", "SYS_ADMIN"],
    service_accounts: ["builder"],
    run_as_root: true,
  });
  assert.is(a.content_type, "application/json");
});

test("pod templates at any depth count: a Deployment, a CronJob, an unknown kind", () => {
  const deployment = { kind: "Deployment", spec: { replicas: 3, template: { spec: { containers: [{ name: "c", image: "app:2", securityContext: { allowPrivilegeEscalation: true } }] } } } };
  const d = normalize(withBody("POST /apis/apps/v1/namespaces/x/deployments", deployment)).object!;
  assert.equal([d.images, d.replicas, d.allow_privilege_escalation, d.privileged], [["app:2"], 3, true, false]);
  const cron = { kind: "CronJob", spec: { jobTemplate: { spec: { template: { spec: { hostIPC: true, containers: [{ image: "x" }] } } } } } };
  assert.is(normalize(withBody("POST /apis/batch/v1/namespaces/x/cronjobs", cron)).object!.host_ipc, true);
  const custom = { kind: "Runner", spec: { podTemplate: { spec: { containers: [{ image: "y", securityContext: { privileged: true } }] } } } };
  assert.is(normalize(withBody("POST /apis/example.com/v1/namespaces/x/runners", custom)).object!.privileged, true);
});

test("patches: merge, strategic and apply read like objects; a scale to zero shows replicas 0", () => {
  const merge = normalize(withBody("PATCH /apis/apps/v1/namespaces/x/deployments/web", { spec: { replicas: 0 } }, "application/merge-patch+json"));
  assert.equal([merge.verb, merge.patch_type, merge.object!.replicas], ["patch", "merge", 0]);
  const scale = normalize(withBody("PATCH /apis/apps/v1/namespaces/x/deployments/web/scale", { spec: { replicas: 0 } }, "application/strategic-merge-patch+json"));
  assert.equal([scale.subresource, scale.patch_type, scale.object!.replicas], ["scale", "strategic", 0]);
  const apply = normalize(withBody("PATCH /api/v1/namespaces/x/pods/p?fieldManager=kubectl", "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: c\n    image: z\n    securityContext: {privileged: true}\n", "application/apply-patch+yaml"));
  assert.equal([apply.patch_type, apply.object!.kind, apply.object!.images, apply.object!.privileged], ["apply", "Pod", ["z"], true]);
});

test("JSON patches: each value read under its path's last key", () => {
  const ops = [
    { op: "add", path: "/spec/template/spec/containers/0/securityContext/privileged", value: true },
    { op: "replace", path: "/spec/template/spec/containers/0/image", value: "evil:1" },
    { op: "add", path: "/spec/template/spec/volumes/-", value: { name: "h", hostPath: { path: "/var/run" } } },
    { op: "add", path: "/spec/template/spec/hostNetwork", value: true },
    { op: "replace", path: "/spec/replicas", value: 0 },
    { op: "remove", path: "/metadata/labels/a" },
  ];
  const a = normalize(withBody("PATCH /apis/apps/v1/namespaces/x/deployments/web", ops, "application/json-patch+json"));
  assert.equal([a.patch_type, a.object!.privileged, a.object!.images, a.object!.host_paths, a.object!.host_network, a.object!.replicas], ["json", true, ["evil:1"], ["/var/run"], true, 0]);
  unreadable(withBody("PATCH /apis/apps/v1/namespaces/x/deployments/web", [{ op: "copy", from: "/a", path: "/b" }], "application/json-patch+json"), /copy writes values the request does not show/);
  unreadable(withBody("PATCH /apis/apps/v1/namespaces/x/deployments/web", { op: "add" }, "application/json-patch+json"), /must be an array/);
});

test("bodies that cannot be read are parse errors: broken JSON, protobuf, no body, too large, several YAML documents", () => {
  unreadable(withBody("POST /api/v1/namespaces/x/pods", "{not json"), /not valid JSON/);
  unreadable(withBody("POST /api/v1/namespaces/x/pods", "\u0000\u0001k8s", "application/vnd.kubernetes.protobuf"), /no Kubernetes envelope/);
  unreadable(withBody("POST /api/v1/namespaces/x/pods", "<pod/>", "application/xml"), /not read by the gateway; send JSON/);
  unreadable("POST /api/v1/namespaces/x/pods", /has no body/);
  unreadable(withBody("PATCH /api/v1/namespaces/x/pods/p", {}, "text/plain"), /not a patch the gateway can read/);
  unreadable(withBody("POST /api/v1/namespaces/x/configmaps", { data: { a: "x".repeat(MAX_BODY_BYTES) } }), /larger than/);
  unreadable(withBody("PATCH /api/v1/namespaces/x/pods/p", "a: 1\n---\nb: 2\n", "application/apply-patch+yaml"), /not valid YAML/);
  unreadable(withBody("POST /api/v1/namespaces/x/pods", "[1]"), /not an object/);
  // exec over SPDY is a POST without a body, and needs none
  assert.is(normalize(`POST ${EXEC}?command=ls`).parse_error, undefined);
});

test("a compressed body is a parse error", () => {
  const text = `POST /api/v1/namespaces/x/pods\ncontent-type: application/json\ncontent-encoding: gzip\n\n{}`;
  assert.match(normalize(text).parse_error?.message ?? "", /Content-Encoding "gzip" are not read/);
  assert.is(normalize(`POST /api/v1/namespaces/x/configmaps\ncontent-type: application/json\ncontent-encoding: identity\n\n{"data":{}}`).parse_error, undefined);
});

test("a key named twice in any object of a JSON body is a parse error; the same key in sibling objects is not", () => {
  const pods = "POST /api/v1/namespaces/x/pods";
  unreadable(withBody(pods, '{"spec":{},"spec":{}}'), /names "spec" twice/);
  unreadable(withBody(pods, '{"spec":{"containers":[{"name":"a","securityContext":{"privileged":false,"privileged":true}}]}}'), /names "privileged" twice/);
  // escapes decode before keys compare
  unreadable(withBody(pods, '{"spec":{"hostNetwork":false,"h\\u006fstNetwork":true}}'), /names "hostNetwork" twice/);
  unreadable(withBody("PATCH /api/v1/namespaces/x/pods/p", '{"spec":{"a":1},"spec":{"b":2}}', "application/merge-patch+json"), /names "spec" twice/);
  // strings that look like structure are only strings
  const tricky = '{"metadata":{"name":"p","annotations":{"a":"{\\"spec\\":1,","b":"\\",\\"spec\\":"}},"spec":{"containers":[{"name":"a","image":"x"},{"name":"b","image":"y"}]}}';
  const read = normalize(withBody(pods, tricky));
  assert.is(read.parse_error, undefined, JSON.stringify(read.parse_error));
  assert.equal(read.object!.images, ["x", "y"]);
});

test("protobuf bodies pass unread only for resources without a pod spec; the built-in pod-spec kinds' must decode", () => {
  const proto = (line: string): string => kubernetesRequestText({ method: "POST", target: line, headers: [["Content-Type", "application/vnd.kubernetes.protobuf"]], body: Buffer.from([0x6b, 0x38, 0x73, 0, 0xff, 0xfe, 0x0a]).toString("base64"), binary: true });
  const cm = normalize(proto("/api/v1/namespaces/x/configmaps"));
  assert.equal([cm.verb, cm.parse_error, cm.content_type, cm.object!.images], ["create", undefined, "application/vnd.kubernetes.protobuf", []]);
  assert.is(normalize(proto("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews")).parse_error, undefined);
  assert.is(normalize(proto("/api/v1/namespaces/x/serviceaccounts/default/token")).parse_error, undefined);
  unreadable(proto("/apis/apps/v1/namespaces/x/deployments"), /does not decode as Deployment/);
  unreadable(proto("/api/v1/namespaces/x/pods"), /does not decode as Pod/);
  unreadable(proto("/apis/example.com/v1/namespaces/x/widgets"), /read only for resources that hold no pod spec and for the built-in kinds that do; send JSON/);
  // an older group version of a pod-spec kind is not decoded
  unreadable(proto("/apis/apps/v1beta2/namespaces/x/deployments"), /send JSON/);
  // the text keeps the exact bytes, base64, and reads them back
  const back = readKubernetesRequestText(proto("/api/v1/namespaces/x/configmaps"));
  assert.ok(back.ok && back.request.binary === true && Buffer.from(back.request.body, "base64")[4] === 0xff);
});

/** A protobuf length-delimited field. */
function field(number: number, value: Buffer | string): Buffer {
  const bytes = typeof value === "string" ? Buffer.from(value) : value;
  return Buffer.concat([Buffer.from([(number << 3) | 2, bytes.length]), bytes]);
}

test("a protobuf body's envelope gives the object's kind, name and namespace", () => {
  const typeMeta = field(1, Buffer.concat([field(1, "v1"), field(2, "ConfigMap")]));
  const raw = field(2, field(1, Buffer.concat([field(1, "settings"), field(3, "x")])));
  const body = Buffer.concat([Buffer.from("k8s\u0000"), typeMeta, raw, field(4, "")]);
  const text = kubernetesRequestText({ method: "POST", target: "/api/v1/namespaces/x/configmaps", headers: [["content-type", "application/vnd.kubernetes.protobuf"]], body: body.toString("base64"), binary: true });
  const object = normalize(text).object!;
  assert.equal([object.kind, object.api_version, object.name, object.namespace], ["ConfigMap", "v1", "settings", "x"]);
  // a broken envelope reads as nothing, not as an error: the resource alone decides what protobuf may carry
  const broken = kubernetesRequestText({ method: "POST", target: "/api/v1/namespaces/x/configmaps", headers: [["content-type", "application/vnd.kubernetes.protobuf"]], body: Buffer.from([0x6b, 0x38, 0x73, 0, 0x0a, 0x7f]).toString("base64"), binary: true });
  assert.is(normalize(broken).object!.name, undefined);
});

test("impersonation asked for by the client is in the document", () => {
  const text = kubernetesRequestText({ method: "GET", target: "/api/v1/pods", headers: [["Impersonate-User", "bob"], ["Impersonate-Group", "system:masters"], ["Impersonate-Group", "dev"], ["Impersonate-Extra-Scopes%2Fa", "x"], ["Accept", "application/json"]], body: "" });
  assert.equal(normalize(text).impersonate, { user: "bob", groups: ["system:masters", "dev"], extra: { "scopes/a": ["x"] } });
  assert.is(normalize("GET /api/v1/pods").impersonate, undefined);
});

test("the request text keeps method, target, policy headers and body, and reads back", () => {
  const request = { method: "PATCH", target: "/api/v1/namespaces/x/pods/p?fieldManager=a", headers: [["Content-Type", "application/merge-patch+json"], ["Authorization", "Bearer secret"], ["User-Agent", "kubectl"]] as Array<[string, string]>, body: '{"a":"\\n\\n"}' };
  const text = kubernetesRequestText(request);
  assert.is(text, 'PATCH /api/v1/namespaces/x/pods/p?fieldManager=a\ncontent-type: application/merge-patch+json\n\n{"a":"\\n\\n"}');
  const back = readKubernetesRequestText(text);
  assert.ok(back.ok);
  if (back.ok) assert.equal(back.request, { method: "PATCH", target: request.target, headers: [["content-type", "application/merge-patch+json"]], body: request.body });
});

test("the engine dispatches kubernetes requests, and an unanalysed one is a parse error", () => {
  const a = normalizeRequest({ kind: "kubernetes", text: "GET /api/v1/namespaces/x/pods/p" });
  assert.equal([a.kind, a.kind === "kubernetes" && a.name], ["kubernetes", "p"]);
  const u = unanalysedAction({ kind: "kubernetes", text: "DELETE /api/v1/namespaces/x/pods/p?x=1\n\n" }, "too large");
  assert.equal([u.kind, u.kind === "kubernetes" && u.method, u.kind === "kubernetes" && u.path, u.kind === "kubernetes" && u.parse_error?.message], ["kubernetes", "DELETE", "/api/v1/namespaces/x/pods/p", "too large"]);
});

test.run();
