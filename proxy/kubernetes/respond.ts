import type { ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import type { KubernetesStatus } from "./status.js";

/** A Status as an HTTP response (JSON, as the apiserver answers errors). */
export function sendStatus(response: ServerResponse, body: KubernetesStatus): void {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  const json = JSON.stringify(body);
  response.writeHead(body.code, { "content-type": "application/json", "content-length": Buffer.byteLength(json), "cache-control": "no-cache, private" });
  response.end(json);
}

/** A Status on a connection that asked to be upgraded: a plain HTTP response, then the connection closes. */
export function sendStatusOnSocket(socket: Duplex, body: KubernetesStatus): void {
  const json = JSON.stringify(body);
  socket.end(`HTTP/1.1 ${body.code} ${body.reason}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(json)}\r\nconnection: close\r\n\r\n${json}`);
}

/** Response headers that belong to one hop, not to the message. */
const HOP_BY_HOP = new Set(["connection", "keep-alive", "transfer-encoding", "proxy-connection", "upgrade", "te", "trailer"]);

export function isHopByHop(name: string): boolean {
  return HOP_BY_HOP.has(name.toLowerCase());
}
