import { request as httpsRequest } from "node:https";
import type { IncomingMessage, OutgoingHttpHeaders } from "node:http";
import type { Duplex } from "node:stream";
import type { ByteMeter } from "../gate/byte-meter.js";
import { meteredPipe } from "../gate/metered-pipe.js";
import { ExecStatusReader } from "./exec-status.js";
import { CONNECT_TIMEOUT_MS } from "./forward.js";
import { isHopByHop, sendStatusOnSocket } from "./respond.js";
import { status } from "./status.js";
import { TerminalStream, type TerminalEvent } from "./terminal-stream.js";
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
 * upgrade has its answer relayed as it is. With `terminal`, a WebSocket stream's channels are read
 * both ways as they pass and handed to it (a tty exec's recording). With `meter` (the decision's
 * bytes_per_window), what the apiserver sends the client is counted as it passes, and the stream is
 * closed, both ways, where the allowance ends: a cut frame cannot be followed by a well-formed one, so
 * the client sees its connection end, and the result records why.
 */
export function splice(client: Duplex, head: Buffer, upgrade: IncomingMessage, upstream: Upstream, path: string, headers: OutgoingHttpHeaders, terminal?: (event: TerminalEvent) => void, meter?: ByteMeter): Promise<Spliced> {
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
      let responseBytes = 0;
      let requestBytes = 0;
      socket.setNoDelay(true);
      // What an exec ended with, and a terminal's bytes, are read off the frames as they pass (WebSocket only).
      const websocket = /websocket/i.test(String(response.headers.upgrade ?? ""));
      const status = websocket && /\/exec(\?|$)/.test(path) ? new ExecStatusReader() : undefined;
      const stream = websocket && terminal ? new TerminalStream(terminal, status ? (channel, data) => status.onChannel(channel, data) : undefined) : undefined;
      const fromServer = (chunk: Buffer): void => {
        responseBytes += chunk.length;
        if (stream) stream.fromServer.push(chunk);
        else status?.push(chunk);
      };
      const fromClient = (chunk: Buffer): void => {
        requestBytes += chunk.length;
        stream?.fromClient.push(chunk);
      };
      if (upstreamHead.length > 0) {
        fromServer(upstreamHead);
        client.write(meter ? meter.pass(upstreamHead) : upstreamHead);
      }
      if (head.length > 0) {
        fromClient(head);
        socket.write(head);
      }
      socket.on("data", fromServer);
      client.on("data", fromClient);
      const close = (): void => {
        socket.destroy();
        client.destroy();
        const exitStatus = status?.exitStatus();
        done({ status: response.statusCode ?? 101, responseBytes, requestBytes, ...(exitStatus !== undefined ? { exitStatus } : {}), ...(meter?.cut ? { error: meter.message() } : {}) });
      };
      if (meter) {
        if (meter.cut) setImmediate(close);
        // Ended, not destroyed: what passed before the limit still reaches the client.
        else meteredPipe(socket, client, meter, () => {
          client.once("finish", () => socket.destroy());
          client.end();
        });
      } else socket.pipe(client);
      client.pipe(socket);
      socket.once("close", close);
      client.once("close", close);
      socket.on("error", () => close());
      client.on("error", () => close());
    });
    up.end();
  });
}
