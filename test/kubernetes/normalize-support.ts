import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as assert from "uvu/assert";
import { Ajv2020 } from "ajv/dist/2020.js";
import { normalizeKubernetes, type KubernetesAction } from "../../engine/actions/kubernetes/index.js";
import { loadShellParser } from "../../engine/actions/shell/index.js";
import { schemasDir } from "../../engine/paths.js";

/** The bash grammar reads exec commands; loaded once per test process, as the gateway does at start. */
await loadShellParser();

const ajv = new Ajv2020({ strict: true, allErrors: true });
for (const file of ["action.shell.json", "action.kubernetes.json"]) ajv.addSchema(JSON.parse(readFileSync(join(schemasDir, file), "utf8")) as object, file);
const validate = ajv.getSchema("action.kubernetes.json")!;

/** The action for a request text; every document, read or not, matches the schema. */
export function normalize(text: string): KubernetesAction {
  const action = normalizeKubernetes(text);
  assert.ok(validate(action), `${JSON.stringify(text)}: ${JSON.stringify(validate.errors)}`);
  return action;
}

/** The request attributes the apiserver's audit log shows, as one line: `verb group/version resource/subresource ns/name`. */
export function attributes(text: string): string {
  // Writes need a body to be read; these cases are about the URL, so they get an empty object.
  const write = /^(POST|PUT|PATCH) /.test(text) && !text.includes("\n\n");
  const a = normalize(write ? withBody(text, {}, text.startsWith("PATCH") ? "application/merge-patch+json" : "application/json") : text);
  assert.equal(a.parse_error, undefined, `${JSON.stringify(text)} should be read: ${a.parse_error?.message}`);
  if (!a.resource_request) return `${a.verb} ${a.path}`;
  return `${a.verb} ${a.group}/${a.version} ${a.resource}${a.subresource ? `/${a.subresource}` : ""} ${a.namespace}/${a.name}`;
}

/** The request is refused as unreadable, with a message matching `why`. */
export function unreadable(text: string, why: RegExp): void {
  const a = normalize(text);
  assert.ok(a.parse_error, `${JSON.stringify(text)} should not be read`);
  assert.match(a.parse_error!.message, why);
}

/** A request text with a JSON body. */
export function withBody(requestLine: string, body: unknown, contentType = "application/json"): string {
  return `${requestLine}\ncontent-type: ${contentType}\n\n${typeof body === "string" ? body : JSON.stringify(body)}`;
}
