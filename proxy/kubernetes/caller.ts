import type { IncomingMessage } from "node:http";
import { randomUUID } from "node:crypto";
import type { TLSSocket } from "node:tls";
import { visibleSummary } from "../../engine/text/visible-text.js";
import type { KubernetesGatewayContext } from "./context.js";
import type { ConnectionSessions, KubeSession } from "./sessions.js";
import { status, type KubernetesStatus } from "./status.js";

/** Where clients reach a target: https://GATEWAY/targets/NAME is that target's apiserver. */
export const TARGET_PREFIX = "/targets/";

/**
 * `watch`, when the gateway watches sessions: makes a request (exec, attach, logs -f, watch: any that
 * stays open) end when its identity does; `end` closes it, and the returned function stops watching.
 */
export type Caller = { ok: true; session: KubeSession; rest: string; watch?: (end: () => void) => () => void } | { ok: false; status: KubernetesStatus };

/** The target named by the URL and the rest of the URL as the apiserver is asked for it. */
export function targetOf(url: string): { name: string; rest: string } | undefined {
  if (!url.startsWith(TARGET_PREFIX)) return undefined;
  const after = url.slice(TARGET_PREFIX.length);
  const end = after.search(/[/?]/);
  const name = end < 0 ? after : after.slice(0, end);
  const rest = end < 0 ? "/" : after.slice(end);
  return name === "" ? undefined : { name, rest: rest.startsWith("?") ? `/${rest}` : rest };
}

/**
 * Who asks, of which target: the bearer token checked by the identity service for that target. A
 * request without one, or with one the identity service refuses, is answered 401 and recorded as an
 * authentication failure; a URL naming no configured target is 404.
 */
export async function callerOf(request: IncomingMessage, context: KubernetesGatewayContext, sessions: ConnectionSessions): Promise<Caller> {
  const url = request.url ?? "/";
  const named = targetOf(url);
  const target = named && context.target(named.name);
  if (!named || !target) return { ok: false, status: status(404, "NotFound", `Portcullis has no Kubernetes target at ${visibleSummary(url.split("?")[0] ?? "", 200)}; use https://GATEWAY${TARGET_PREFIX}NAME`) };
  const header = request.headers.authorization ?? "";
  const token = /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1];
  const clientAddr = request.socket.remoteAddress ?? "";
  const fail = async (code: string, detail: string): Promise<Caller> => {
    await context.record({ type: "auth_failure", protocol: "kubernetes", session_id: randomUUID(), client_addr: clientAddr, target: target.name, user: "", code, detail: visibleSummary(detail, 2000) }).catch(() => undefined);
    return { ok: false, status: status(401, "Unauthorized", `Portcullis: ${detail}`) };
  };
  if (!token) return fail("no_token", "no bearer token: present an OIDC token or a gateway token (portcullis kubeconfig sets this up)");
  const auth = await context.authenticate(token, target.name);
  if (!auth.ok) return fail(auth.code, auth.detail);
  try {
    const session = await sessions.session(request.socket as TLSSocket, auth.identity, target);
    const watch = auth.watch;
    // The reason is kept on the session so that its session_end, recorded when the connection closes, names it.
    const ending = (end: () => void) => (reason: string): void => {
      session.endReason ??= reason;
      end();
    };
    return { ok: true, session, rest: named.rest, ...(watch ? { watch: (end: () => void) => watch(session.session, ending(end)) } : {}) };
  } catch {
    return { ok: false, status: status(503, "ServiceUnavailable", "Portcullis: the session could not be recorded in the audit log") };
  }
}
