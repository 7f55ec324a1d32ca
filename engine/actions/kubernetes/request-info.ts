/**
 * The request attributes the apiserver authorizes, derived as its RequestInfoFactory derives them
 * (k8s.io/apiserver pkg/endpoints/request/requestinfo.go, v0.37): API prefixes `api` (groupless) and
 * `apis`, the special verbs `watch` and `proxy` in the path, namespace subresources `status` and
 * `finalize`, a collection GET as list or watch (a `metadata.name` field selector naming one object),
 * a collection DELETE as deletecollection.
 * https://kubernetes.io/docs/reference/access-authn-authz/authorization/#determine-the-request-verb
 */
import { isPathSegmentName, parseFieldSelector, requiredExactMatch } from "./selectors.js";
import type { KubernetesRequestInfo } from "./types.js";
import { firstValue, queryBool } from "./url.js";

export type RequestInfo = KubernetesRequestInfo;

const API_PREFIXES = new Set(["api", "apis"]);
const GROUPLESS_PREFIXES = new Set(["api"]);
const SPECIAL_VERBS = new Set(["proxy", "watch"]);
const NAMESPACE_SUBRESOURCES = new Set(["status", "finalize"]);
const VERBS_WITH_SELECTORS = new Set(["list", "watch", "deletecollection"]);

const METHOD_VERBS: Record<string, string> = { POST: "create", GET: "get", HEAD: "get", PUT: "update", PATCH: "patch", DELETE: "delete" };

export type DeriveInfo = { ok: true; info: RequestInfo } | { ok: false; message: string };

/** RequestInfo for a method and a decoded path and query. */
export function requestInfo(method: string, path: string, query: Map<string, string[]>): DeriveInfo {
  const info: RequestInfo = { resource_request: false, verb: method.toLowerCase(), api_prefix: "", group: "", version: "", resource: "", subresource: "", namespace: "", name: "", label_selector: "", field_selector: "" };
  const trimmed = path.replace(/^\/+|\/+$/g, "");
  let parts = trimmed === "" ? [] : trimmed.split("/");
  if (parts.length < 3 || !API_PREFIXES.has(parts[0]!)) return { ok: true, info };
  const prefix = parts[0]!;
  parts = parts.slice(1);
  let group = "";
  if (!GROUPLESS_PREFIXES.has(prefix)) {
    if (parts.length < 3) return { ok: true, info };
    group = parts[0]!;
    parts = parts.slice(1);
  }
  Object.assign(info, { resource_request: true, api_prefix: prefix, group, version: parts[0]! });
  parts = parts.slice(1);

  let verbInPath = false;
  if (SPECIAL_VERBS.has(parts[0]!)) {
    // The apiserver answers an error here; the gateway refuses the request.
    if (parts.length < 2) return { ok: false, message: `unable to determine kind and namespace from the URL ${path}` };
    info.verb = parts[0]!;
    parts = parts.slice(1);
    verbInPath = true;
  } else {
    info.verb = METHOD_VERBS[method] ?? "";
  }

  if (parts[0] === "namespaces") {
    if (parts.length > 1) {
      info.namespace = parts[1]!;
      // /namespaces/NAME/status and /namespaces/NAME/finalize are subresources of the namespace itself.
      if (parts.length > 2 && !NAMESPACE_SUBRESOURCES.has(parts[2]!)) parts = parts.slice(2);
    }
  }
  // proxy takes no subresource: the rest of its path is the proxied path.
  if (parts.length >= 3 && info.verb !== "proxy") info.subresource = parts[2]!;
  if (parts.length >= 2) info.name = parts[1]!;
  if (parts.length >= 1) info.resource = parts[0]!;

  if (info.name === "" && info.verb === "get") {
    // A watch parameter means the same whether or not the other list options decode.
    info.verb = queryBool(query, "watch") ? "watch" : "list";
    // Options the apiserver cannot decode (a malformed label selector, a limit that is not a number)
    // make it take no name from the field selector; the list handler then refuses them with 400 before
    // reading anything, so the name taken here never lets anything through.
    const terms = parseFieldSelector(firstValue(query, "fieldSelector") ?? "");
    const name = terms ? requiredExactMatch(terms, "metadata.name") : undefined;
    if (name !== undefined && isPathSegmentName(name)) info.name = name;
  }
  if (info.name === "" && info.verb === "delete") info.verb = "deletecollection";
  if (!verbInPath && VERBS_WITH_SELECTORS.has(info.verb)) {
    info.field_selector = firstValue(query, "fieldSelector") ?? "";
    info.label_selector = firstValue(query, "labelSelector") ?? "";
  }
  return { ok: true, info };
}
