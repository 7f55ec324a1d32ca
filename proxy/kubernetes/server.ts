import { createServer, type Server } from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { messageOf } from "../../engine/errors.js";
import type { KubernetesResult, RefusedResult } from "../../engine/actions/types.js";
import type { JsonMaskRule } from "../../engine/policy/types.js";
import type { HoldControl } from "../gate/types.js";
import { callerOf } from "./caller.js";
import type { KubernetesGatewayContext } from "./context.js";
import { decideRequest, type Decided } from "./decide.js";
import { forward } from "./forward.js";
import { readRequestBody } from "./request-body.js";
import { sendStatus, sendStatusOnSocket } from "./respond.js";
import { ConnectionSessions, type KubeSession } from "./sessions.js";
import { jsonAccept, jsonMaskRules, maskingTransform } from "./masking.js";
import { status } from "./status.js";
import { recordableOffer, type TerminalEvent } from "./terminal-stream.js";
import { splice } from "./upgrade.js";
import { impersonationHeaders, upstreamHeaders, upstreamOf, type Upstream } from "./upstream.js";

export interface KubernetesListenOptions {
  host: string;
  port: number;
  /** The listener's certificate and key (PEM). */
  cert: string;
  key: string;
  context: KubernetesGatewayContext;
  targets: Array<Parameters<typeof upstreamOf>[0]>;
}

export interface KubernetesListener {
  port: number;
  /** https://HOST:PORT; a target's apiserver is at `${url}/targets/NAME`. */
  url: string;
  close(): Promise<void>;
}

/**
 * The Kubernetes gateway: an HTTPS server that kubectl (or any client-go program) talks to as if it
 * were the cluster. Each request is authenticated by its bearer token, turned into a `kubernetes`
 * action, decided and audited by the request gate, and only then forwarded to the target's apiserver as
 * the gateway, impersonating the caller. Refusals are Kubernetes Status objects.
 */
export async function listenKubernetes(options: KubernetesListenOptions): Promise<KubernetesListener> {
  const { context } = options;
  const sessions = new ConnectionSessions(context);
  const upstreams = new Map(options.targets.map((t) => [t.name, upstreamOf(t)]));
  const server: Server = createServer({ cert: options.cert, key: options.key });
  // Approvals hold a request for minutes, and watches last as long as the client wants.
  server.requestTimeout = 0;
  server.on("request", (request: IncomingMessage, response: ServerResponse) => {
    handleRequest(request, response).catch((error: unknown) => {
      context.log(`kubernetes: request failed: ${messageOf(error)}`);
      response.destroy();
    });
  });
  // Upgraded connections leave the server's bookkeeping: closing the listener ends them here.
  const upgraded = new Set<Duplex>();
  server.on("upgrade", (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    upgraded.add(socket);
    socket.once("close", () => upgraded.delete(socket));
    handleUpgrade(request, socket, head).catch((error: unknown) => {
      context.log(`kubernetes: upgrade failed: ${messageOf(error)}`);
      socket.destroy();
    });
  });
  server.on("tlsClientError", () => undefined);

  async function handleRequest(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const started = process.hrtime.bigint();
    const caller = await callerOf(request, context, sessions);
    if (!caller.ok) return sendStatus(response, caller.status);
    const unwatch = caller.watch?.(() => response.destroy());
    if (unwatch) response.once("close", unwatch);
    const body = await readRequestBody(request);
    const decided = await decideRequest(caller.session, request, caller.rest, body, () => holdUntilClosed(response));
    if (!decided.ok) {
      sendStatus(response, decided.status);
      return recordRefusal(caller.session, decided, started);
    }
    const upstream = upstreams.get(caller.session.target.name)!;
    const rules = jsonMaskRules(decided.verdict.decision);
    // Masked responses must be JSON the gateway can read: no protobuf, no compression.
    const masking = rules.length > 0 ? { accept: jsonAccept(request.headers.accept), "accept-encoding": "identity" } : {};
    const headers = upstreamHeaders(request.headers, upstream, impersonationHeaders(caller.session.identity, caller.session.target, decided.action.impersonate), masking);
    const mask = (rule: JsonMaskRule, value: string | null): string | null => context.mask(rule, value);
    const rewrite = rules.length > 0 ? (answer: IncomingMessage) => maskingTransform(answer, rules, mask, decided.action.verb === "watch") : undefined;
    const result = await forward(response, { upstream, path: caller.rest, method: request.method ?? "GET", headers, body: body.ok ? body.bytes : Buffer.alloc(0), ...(rewrite ? { rewrite } : {}), ...(decided.meter ? { meter: decided.meter } : {}) });
    const outcome: KubernetesResult = { kind: "kubernetes", status: result.status, response_bytes: result.responseBytes, request_bytes: body.ok ? body.bytes.length : 0, masked_paths: rules.map((r) => r.json_path) };
    await recordResult(caller.session, decided.requestId, result.error ? { error: { code: String(result.status), message: result.error } } : outcome, started);
  }

  async function handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const started = process.hrtime.bigint();
    const caller = await callerOf(request, context, sessions);
    if (!caller.ok) return sendStatusOnSocket(socket, caller.status);
    const unwatch = caller.watch?.(() => socket.destroy());
    if (unwatch) socket.once("close", unwatch);
    const controller = new AbortController();
    socket.once("close", () => controller.abort());
    const decided = await decideRequest(caller.session, request, caller.rest, { ok: true, bytes: Buffer.alloc(0), text: "", binary: false }, () => ({ notify: (line) => context.log(line), signal: controller.signal }));
    if (!decided.ok) {
      sendStatusOnSocket(socket, decided.status);
      return recordRefusal(caller.session, decided, started);
    }
    if (jsonMaskRules(decided.verdict.decision).length > 0) {
      // A stream's bytes cannot be masked by JSON path: refused rather than passed unmasked.
      const refused = status(403, "Forbidden", "Portcullis: the policy masks values in this request's response, which a stream cannot be masked in");
      sendStatusOnSocket(socket, refused);
      return recordResult(caller.session, decided.requestId, { error: { code: "403", message: refused.message } }, started);
    }
    const upstream: Upstream = upstreams.get(caller.session.target.name)!;
    const headers = upstreamHeaders(request.headers, upstream, impersonationHeaders(caller.session.identity, caller.session.target, decided.action.impersonate));
    let terminal: ((event: TerminalEvent) => void) | undefined;
    if (decided.action.tty === true) {
      // A terminal is recorded for replay, as over SSH; a stream the gateway cannot read is refused rather than left unrecorded.
      const offer = recordableOffer(request.headers);
      if (offer === undefined) {
        const refused = status(400, "BadRequest", "Portcullis records terminal sessions and reads them only over WebSocket (v5.channel.k8s.io, kubectl 1.30 or later): this tty stream asked for SPDY or a base64 channel protocol");
        sendStatusOnSocket(socket, refused);
        return recordResult(caller.session, decided.requestId, { error: { code: "400", message: refused.message } }, started);
      }
      headers["sec-websocket-protocol"] = offer;
      const sessionId = caller.session.session.id;
      const requestId = decided.requestId;
      terminal = (event) => void context.record({ type: "terminal", session_id: sessionId, request_id: requestId, ...event }).catch((error: unknown) => context.log(`kubernetes: terminal event not recorded: ${messageOf(error)}`));
    }
    const result = await splice(socket, head, request, upstream, caller.rest, headers, terminal, decided.meter);
    const outcome: KubernetesResult = { kind: "kubernetes", status: result.status, response_bytes: result.responseBytes, request_bytes: result.requestBytes, masked_paths: [], ...(result.exitStatus !== undefined ? { exit_status: result.exitStatus } : {}) };
    await recordResult(caller.session, decided.requestId, result.error ? { error: { code: String(result.status), message: result.error } } : outcome, started);
  }

  /** A held request waits while its client does; the client going away withdraws it. */
  function holdUntilClosed(response: ServerResponse): HoldControl {
    const controller = new AbortController();
    response.once("close", () => controller.abort());
    return { notify: (line) => context.log(line), signal: controller.signal };
  }

  async function recordRefusal(session: KubeSession, decided: Extract<Decided, { ok: false }>, started: bigint): Promise<void> {
    if (decided.requestId === undefined) return;
    await recordResult(session, decided.requestId, { error: { code: String(decided.status.code), message: decided.status.message } }, started);
  }

  async function recordResult(session: KubeSession, requestId: number, result: KubernetesResult | RefusedResult, started: bigint): Promise<void> {
    const duration_us = Number((process.hrtime.bigint() - started) / 1000n);
    await context.record({ type: "result", session_id: session.session.id, request_id: requestId, result, duration_us }).catch((error: unknown) => context.log(`kubernetes: result not recorded: ${messageOf(error)}`));
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `https://${options.host.includes(":") ? `[${options.host}]` : options.host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const upstream of upstreams.values()) upstream.agent.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
        for (const socket of upgraded) socket.destroy();
      }),
  };
}
