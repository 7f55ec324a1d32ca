/**
 * The way to a target apiserver: as the gateway itself (its token or client certificate from the
 * config, never the client's), impersonating the caller. Every header the client sent that could
 * change who the apiserver thinks is asking (Authorization, Impersonate-*) is dropped here, whatever
 * was decided; a client's impersonation the policy allowed is set again from the decided request.
 * https://kubernetes.io/docs/reference/access-authn-authz/authentication/#user-impersonation
 */
import { Agent } from "node:https";
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from "node:http";
import type { KubernetesTarget } from "../../engine/config/types.js";
import type { KubernetesAction } from "../../engine/actions/kubernetes/index.js";
import type { Identity } from "../../engine/policy/types.js";

/** Hop-by-hop headers (RFC 9110 §7.6.1) and what only the gateway may say upstream. */
const DROPPED = new Set(["authorization", "host", "connection", "keep-alive", "proxy-authorization", "proxy-authenticate", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade", "content-length"]);

export interface Upstream {
  target: KubernetesTarget;
  agent: Agent;
  /** The server URL's origin parts and its path prefix (without a trailing slash). */
  host: string;
  port: number;
  basePath: string;
}

export function upstreamOf(target: KubernetesTarget): Upstream {
  const url = new URL(target.server);
  const agent = new Agent({
    keepAlive: true,
    ...(target.ca ? { ca: target.ca } : {}),
    ...(target.clientCert && target.clientKey ? { cert: target.clientCert, key: target.clientKey } : {}),
  });
  return { target, agent, host: url.hostname.replace(/^\[|\]$/g, ""), port: Number(url.port || 443), basePath: url.pathname.replace(/\/+$/, "") };
}

/** Who the apiserver is told is asking: the caller, or the impersonation the policy allowed the caller to ask for. */
export function impersonationHeaders(identity: Identity, target: KubernetesTarget, asked: KubernetesAction["impersonate"]): OutgoingHttpHeaders {
  if (asked) {
    const headers: OutgoingHttpHeaders = {};
    if (asked.user !== undefined) headers["impersonate-user"] = asked.user;
    if (asked.uid !== undefined) headers["impersonate-uid"] = asked.uid;
    if (asked.groups.length > 0) headers["impersonate-group"] = asked.groups;
    for (const [key, values] of Object.entries(asked.extra)) headers[`impersonate-extra-${encodeURIComponent(key)}`] = values;
    return headers;
  }
  const headers: OutgoingHttpHeaders = { "impersonate-user": identity.subject };
  if (identity.groups.length > 0) headers["impersonate-group"] = identity.groups;
  for (const [claim, key] of Object.entries(target.impersonateExtra)) {
    const value = identity.claims[claim];
    const values = Array.isArray(value) ? value.map(String) : value === undefined || value === null ? [] : [String(value)];
    if (values.length > 0) headers[`impersonate-extra-${encodeURIComponent(key)}`] = values;
  }
  return headers;
}

/** The client's headers as they go upstream: hop-by-hop, credentials and impersonation dropped, the gateway's own set. */
export function upstreamHeaders(client: IncomingHttpHeaders, upstream: Upstream, impersonation: OutgoingHttpHeaders, extra: OutgoingHttpHeaders = {}): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(client)) {
    if (value === undefined || DROPPED.has(name) || name.startsWith("impersonate-")) continue;
    headers[name] = value;
  }
  if (upstream.target.token) headers.authorization = `Bearer ${upstream.target.token}`;
  return { ...headers, ...impersonation, ...extra };
}
