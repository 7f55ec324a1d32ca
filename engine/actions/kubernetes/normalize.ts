import { mediaType, readBody } from "./object-fields.js";
import { requestInfo, type RequestInfo } from "./request-info.js";
import { readKubernetesRequestText, type KubernetesHttpRequest } from "./request-text.js";
import { isPodStream, podStreamFields } from "./streams.js";
import type { KubernetesAction } from "./types.js";
import { parseTarget } from "./url.js";

const WRITE_VERBS = new Set(["create", "update", "patch"]);

/**
 * The action document for one request text (see request-text.ts). Never throws: a request that cannot
 * be read, or one the gateway cannot be sure the apiserver reads the same way (an encoded `/`, a `..`
 * segment, an empty segment), carries a parse error, which the policy denies.
 */
export function normalizeKubernetes(text: string): KubernetesAction {
  const read = readKubernetesRequestText(text);
  if (!read.ok) return unreadable("", "", read.message, read.position);
  const { request } = read;
  const parsed = parseTarget(request.target);
  if (!parsed.ok) return unreadable(request.method, request.target, parsed.message, 0);
  const { path, rawSegments, query } = parsed.target;
  const oddity = pathOddity(rawSegments);
  if (oddity) return unreadable(request.method, path, oddity, 0);
  const derived = requestInfo(request.method, path, query);
  if (!derived.ok) return unreadable(request.method, path, derived.message, 0);
  const info = derived.info;
  const action: KubernetesAction = { kind: "kubernetes", method: request.method, path, ...info, dry_run: (query.get("dryRun") ?? []).includes("All") };
  const impersonate = impersonation(request);
  if (impersonate) action.impersonate = impersonate;
  if (isPodStream(info)) return Object.assign(action, podStreamFields(info, query));
  if (info.resource_request && WRITE_VERBS.has(info.verb)) return withBody(action, request, info);
  return action;
}

function withBody(action: KubernetesAction, request: KubernetesHttpRequest, info: RequestInfo): KubernetesAction {
  const contentType = header(request, "content-type") ?? "";
  if (contentType) action.content_type = mediaType(contentType);
  // A compressed body is bytes the gateway would have to decompress exactly as the apiserver might.
  const encoding = request.headers.filter(([n]) => n === "content-encoding").map(([, v]) => v.trim().toLowerCase()).find((v) => v !== "identity" && v !== "");
  if (encoding !== undefined) return { ...action, parse_error: { message: `${info.verb} of ${info.resource}: request bodies with Content-Encoding ${JSON.stringify(encoding)} are not read; send them uncompressed`, position: 0 } };
  const body = readBody(request.method, contentType, request.binary ? Buffer.from(request.body, "base64") : request.body, info);
  if (!body.ok) return { ...action, parse_error: { message: `${info.verb} of ${info.resource}: ${body.message}`, position: 0 } };
  action.object = body.fields;
  if (body.patch_type) action.patch_type = body.patch_type;
  return action;
}

/**
 * Paths the apiserver would read, but perhaps not as the gateway does, or route differently from how it
 * authorizes them: refused rather than guessed at.
 */
function pathOddity(rawSegments: string[]): string | undefined {
  const inner = rawSegments.slice(1, rawSegments.length > 1 && rawSegments[rawSegments.length - 1] === "" ? -1 : undefined);
  for (const segment of inner) {
    if (segment === "") return "the path has an empty segment (//)";
    if (segment === "." || segment === "..") return `the path has a ${JSON.stringify(segment)} segment`;
    if (segment.includes("/")) return "the path has an encoded '/' (%2F) inside a segment";
    if (/[\u0000-\u001f\u007f]/.test(segment)) return "the path holds a control character";
  }
  return undefined;
}

function header(request: KubernetesHttpRequest, name: string): string | undefined {
  return request.headers.find(([n]) => n === name)?.[1];
}

/** Impersonate-User, -Uid, -Group (repeated) and -Extra-KEY (repeated) as sent. */
function impersonation(request: KubernetesHttpRequest): KubernetesAction["impersonate"] {
  const asked = request.headers.filter(([name]) => name.startsWith("impersonate-"));
  if (asked.length === 0) return undefined;
  const result: NonNullable<KubernetesAction["impersonate"]> = { groups: [], extra: {} };
  for (const [name, value] of asked) {
    if (name === "impersonate-user") result.user = value;
    else if (name === "impersonate-uid") result.uid = value;
    else if (name === "impersonate-group") result.groups.push(value);
    else if (name.startsWith("impersonate-extra-")) {
      const key = decodeURIComponentSafe(name.slice("impersonate-extra-".length));
      (result.extra[key] ??= []).push(value);
    } else result.extra[name] = [value];
  }
  return result;
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** A request that could not be read: every attribute empty, and the reason. */
export function unreadable(method: string, path: string, message: string, position: number): KubernetesAction {
  return { kind: "kubernetes", method, path, resource_request: false, verb: "", api_prefix: "", group: "", version: "", resource: "", subresource: "", namespace: "", name: "", label_selector: "", field_selector: "", dry_run: false, parse_error: { message, position } };
}
