/**
 * exec, attach and portforward on pods: what they run and how. The apiserver authorizes each as
 * `create` whatever the method (a WebSocket upgrade arrives as a GET), and the command of an exec is the
 * argv the container runtime runs, which the shell normalizer reads as bash would read it quoted word by
 * word: `sh -c 'rm -rf /'` in a pod is the same `rm` the SSH gateway sees.
 * https://kubernetes.io/docs/reference/access-authn-authz/authorization/#review-your-request-attributes
 */
import { normalizeShell } from "../shell/index.js";
import type { RequestInfo } from "./request-info.js";
import type { KubernetesAction } from "./types.js";
import { firstValue, queryBool } from "./url.js";

const STREAM_SUBRESOURCES = new Set(["exec", "attach", "portforward"]);

/** A pod's exec, attach or portforward: the requests that open a stream into a container. */
export function isPodStream(info: RequestInfo): boolean {
  return info.resource_request && info.group === "" && info.resource === "pods" && STREAM_SUBRESOURCES.has(info.subresource);
}

/** Each word single-quoted, so bash reads back exactly the argv (no word is a keyword, an assignment or an expansion). */
export function quoteArgv(argv: string[]): string {
  return argv.map((word) => `'${word.replace(/'/g, `'\\''`)}'`).join(" ");
}

type StreamFields = Pick<KubernetesAction, "verb" | "container" | "stdin" | "tty" | "command" | "shell" | "ports">;

/** The stream's fields for the action document; the verb is create. */
export function podStreamFields(info: RequestInfo, query: Map<string, string[]>): StreamFields {
  if (info.subresource === "portforward") {
    const ports = (query.get("ports") ?? []).flatMap((value) => value.split(",")).map((p) => Number(p.trim()));
    return { verb: "create", ports: ports.filter((p) => Number.isInteger(p)) };
  }
  const fields: StreamFields = { verb: "create", container: firstValue(query, "container") ?? "", stdin: queryBool(query, "stdin"), tty: queryBool(query, "tty") };
  if (info.subresource === "exec") {
    const command = query.get("command") ?? [];
    fields.command = command;
    fields.shell = normalizeShell(quoteArgv(command));
  }
  return fields;
}
