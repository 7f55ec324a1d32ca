import { request as httpsRequest } from "node:https";
import type { IncomingMessage, OutgoingHttpHeaders } from "node:http";
import type { Duplex } from "node:stream";
import { ExecStatusReader } from "./exec-status.js";
import { CONNECT_TIMEOUT_MS } from "./forward.js";
import { isHopByHop, sendStatusOnSocket } from "./respond.js";
import { status } from "./status.js";
import type { Upstream } from "./upstream.js";

export interface Spliced {
  status: number;
  /** Bytes from the apiserver to the client, and from the client to the apiserver. */
  responseBytes: number;
  requestBytes: number;
  /** exec: how the command ended, when the stream said. */
  exitStatus?: number | null;
  error?: string;
}

/**
 * An upgraded stream (exec, attach, cp and port-forward over WebSocket or SPDY), already decided: the
 * upgrade is sent upstream as the gateway, and once the apiserver switches protocols the two
 * connections are spliced with backpressure until either side closes. An apiserver that refuses the
 * upgrade has its answer relayed as it is.
 */
export function splice(client: Duplex, head: Buffer, upgrade: IncomingMessage, upstream: Upstream, path: string, headers: OutgoingHttpHeaders): Promise<Spliced> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (result: Spliced): void => {
      if (!settled) {
        settled = true;
        resolve(result);
      }
    };
    const target = upstream.target;
    // An upgraded connection never returns to the keep-alive pool: its own TLS connection.
    const up = httpsRequest({
      host: upstream.host,
      port: upstream.port,
      path: `${upstream.basePath}${path}`,
      method: upgrade.method ?? "GET",
      headers: { ...headers, connection: "Upgrade", upgrade: upgrade.headers.upgrade ?? "websocket" },
      agent: false,
      ...(target.ca ? { ca: target.ca } : {}),
      ...(target.clientCert && target.clientKey ? { cert: target.clientCert, key: target.clientKey } : {}),
    });
    const connectTimer = setTimeout(() => up.destroy(new Error(`no connection within ${CONNECT_TIMEOUT_MS} ms`)), CONNECT_TIMEOUT_MS);
    const clientGone = (): void => {
      up.destroy();
      done({ status: 499, responseBytes: 0, requestBytes: 0, error: "the client closed the connection" });
    };
    client.once("close", clientGone);
    up.on("error", (error) => {
      clearTimeout(connectTimer);
      sendStatusOnSocket(client, status(503, "ServiceUnavailable", `Portcullis could not reach the target ${target.name}: ${error.message}`));
      done({ status: 503, responseBytes: 0, requestBytes: 0, error: error.message });
    });
    up.on("response", (response) => {
      clearTimeout(connectTimer);
      // Refused upstream (403, 400, …): relay status, headers and body, then close.
      const lines = [`HTTP/1.1 ${response.statusCode} ${response.statusMessage}`];
      for (let i = 0; i + 1 < response.rawHeaders.length; i += 2) {
        const name = response.rawHeaders[i]!;
        if (!isHopByHop(name) && name.toLowerCase() !== "content-length") lines.push(`${name}: ${response.rawHeaders[i + 1]}`);
      }
      lines.push("connection: close", "", "");
      client.write(lines.join("\r\n"));
      let responseBytes = 0;
      response.on("data", (chunk: Buffer) => (responseBytes += chunk.length));
      response.pipe(client);
      response.once("end", () => done({ status: response.statusCode ?? 502, responseBytes, requestBytes: 0 }));
    });
    up.on("upgrade", (response, socket, upstreamHead) => {
      clearTimeout(connectTimer);
      client.off("close", clientGone);
      const lines = [`HTTP/1.1 ${response.statusCode} ${response.statusMessage}`];
      for (let i = 0; i + 1 < response.rawHeaders.length; i += 2) lines.push(`${response.rawHeaders[i]}: ${response.rawHeaders[i + 1]}`);
      client.write(`${lines.join("\r\n")}\r\n\r\n`);
      let responseBytes = upstreamHead.length;
      let requestBytes = head.length;
      if (upstreamHead.length > 0) client.write(upstreamHead);
      if (head.length > 0) socket.write(head);
      socket.setNoDelay(true);
      // What an exec ended with is read off the apiserver's frames as they pass (WebSocket only).
      const status = /websocket/i.test(String(response.headers.upgrade ?? "")) && /\/exec(\?|$)/.test(path) ? new ExecStatusReader() : undefined;
      socket.on("data", (chunk: Buffer) => {
        responseBytes += chunk.length;
        status?.push(chunk);
      });
      client.on("data", (chunk: Buffer) => (requestBytes += chunk.length));
      socket.pipe(client);
      client.pipe(socket);
      const close = (): void => {
        socket.destroy();
        client.destroy();
        const exitStatus = status?.exitStatus();
        done({ status: response.statusCode ?? 101, responseBytes, requestBytes, ...(exitStatus !== undefined ? { exitStatus } : {}) });
      };
      socket.once("close", close);
      client.once("close", close);
      socket.on("error", () => close());
      client.on("error", () => close());
    });
    up.end();
  });
}
