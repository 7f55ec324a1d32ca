import { request as httpsRequest } from "node:https";
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from "node:http";
import type { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ByteMeter } from "../gate/byte-meter.js";
import { relayMetered, type BodyKind } from "./metered-response.js";
import { isHopByHop } from "./respond.js";
import { status, type KubernetesStatus } from "./status.js";
import type { Upstream } from "./upstream.js";

/** How long connecting to the apiserver may take before the client is told it is unavailable. */
export const CONNECT_TIMEOUT_MS = 10_000;

export interface Forwarded {
  status: number;
  responseBytes: number;
  /** Set when the apiserver could not be reached (the client got a 503 Status instead), or the response was cut or refused at its byte limit. */
  error?: string;
}

export interface ForwardOptions {
  upstream: Upstream;
  path: string;
  method: string;
  headers: OutgoingHttpHeaders;
  body: Buffer;
  /** Rewrites the response body (masking) when the response is one it applies to; undefined passes it through. */
  rewrite?: (response: IncomingMessage) => Transform | undefined;
  /** The decision's byte allowance: the body the client receives is counted against it and cut where it ends. */
  meter?: ByteMeter;
}

/**
 * Sends a decided request upstream and streams the answer back as it arrives: a watch or `logs -f`
 * response is piped chunk by chunk with backpressure (the client reading slowly slows the apiserver's
 * stream), never collected. A client that goes away ends the upstream request.
 */
export function forward(client: ServerResponse, options: ForwardOptions): Promise<Forwarded> {
  const { upstream } = options;
  return new Promise((resolve) => {
    let settled = false;
    const done = (result: Forwarded): void => {
      if (!settled) {
        settled = true;
        resolve(result);
      }
    };
    const fail = (message: string, body: KubernetesStatus): void => {
      if (!client.headersSent) {
        const json = JSON.stringify(body);
        client.writeHead(body.code, { "content-type": "application/json", "content-length": Buffer.byteLength(json) });
        client.end(json);
      } else client.destroy();
      done({ status: body.code, responseBytes: 0, error: message });
    };
    const headers = options.body.length > 0 ? { ...options.headers, "content-length": options.body.length } : options.headers;
    const up = httpsRequest({ host: upstream.host, port: upstream.port, path: `${upstream.basePath}${options.path}`, method: options.method, headers, agent: upstream.agent });
    const connectTimer = setTimeout(() => up.destroy(new Error(`no connection within ${CONNECT_TIMEOUT_MS} ms`)), CONNECT_TIMEOUT_MS);
    up.once("socket", (socket) => {
      socket.setNoDelay(true);
      if (!socket.connecting) clearTimeout(connectTimer);
      else socket.once("secureConnect", () => clearTimeout(connectTimer));
    });
    up.on("error", (error) => {
      clearTimeout(connectTimer);
      fail(error.message, status(503, "ServiceUnavailable", `Portcullis could not reach the target ${upstream.target.name}: ${error.message}`));
    });
    client.once("close", () => {
      if (!client.writableFinished) up.destroy();
    });
    up.on("response", (response) => {
      clearTimeout(connectTimer);
      const { meter } = options;
      const length = Number(response.headers["content-length"] ?? NaN);
      // Its size known before a byte of it is sent, an answer over the allowance is refused whole rather than cut short.
      const refused = meter && Number.isFinite(length) ? meter.refuse(length) : undefined;
      if (refused) {
        response.destroy();
        fail(refused, status(429, "TooManyRequests", refused));
        return;
      }
      const rewrite = options.rewrite?.(response);
      const headers: OutgoingHttpHeaders = {};
      for (const [name, value] of Object.entries(response.headers)) {
        if (value === undefined || isHopByHop(name) || (rewrite && name === "content-length")) continue;
        headers[name] = value;
      }
      client.writeHead(response.statusCode ?? 502, headers);
      // Headers go out at once: a watch's first event may be minutes away, and kubectl waits for them.
      client.flushHeaders();
      let responseBytes = 0;
      response.on("data", (chunk: Buffer) => (responseBytes += chunk.length));
      if (meter) {
        const source = rewrite ? response.pipe(rewrite) : response;
        if (rewrite) response.once("error", (error) => rewrite.destroy(error));
        void relayMetered(source, client, meter, bodyKind(response, options.path)).then(({ cut }) => {
          if (cut) response.destroy();
          done({ status: response.statusCode ?? 502, responseBytes, ...(cut ? { error: meter.message() } : {}) });
        });
        return;
      }
      const streams = rewrite ? pipeline(response, rewrite, client) : pipeline(response, client);
      streams.then(
        () => done({ status: response.statusCode ?? 502, responseBytes }),
        (error: Error) => done({ status: response.statusCode ?? 502, responseBytes, error: error.message }),
      );
    });
    up.end(options.body);
  });
}

/** How a body is cut at its byte limit: a log (text), a JSON watch (newline-delimited events), or any other. */
function bodyKind(response: IncomingMessage, path: string): BodyKind {
  const type = String(response.headers["content-type"] ?? "");
  if (/^text\/plain/i.test(type)) return "text";
  if (/^application\/json/i.test(type) && /[?&]watch=(true|1)(&|$)/.test(path)) return "watch";
  return "other";
}
