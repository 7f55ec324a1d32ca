import type { IncomingHttpHeaders } from "node:http";
import { WebSocketChannelReader } from "./websocket-channels.js";

/** One event of a terminal recording, as the SSH gateway records them. */
export type TerminalEvent =
  | { event: "input" | "output" | "error"; data: Buffer }
  | { event: "resize"; size: { cols: number; rows: number } };

const STDIN = 0;
const STDOUT = 1;
const STDERR = 2;
const RESIZE = 4;

/**
 * The channel protocols whose bytes the recorder reads: the binary ones. The `base64.` variants
 * carry text channels a recording would have to decode; they are not offered upstream when a
 * terminal is recorded.
 */
const READABLE_PROTOCOL = /^(v[1-5]\.)?channel\.k8s\.io$/;

/**
 * Whether a tty stream can be recorded, and the `Sec-WebSocket-Protocol` offer to send upstream: only
 * a WebSocket upgrade (an SPDY stream multiplexes its channels in compressed frames the gateway does
 * not read) offering at least one binary channel protocol. Undefined when it cannot be.
 */
export function recordableOffer(headers: IncomingHttpHeaders): string | undefined {
  if (!/^websocket$/i.test(String(headers.upgrade ?? ""))) return undefined;
  const offered = String(headers["sec-websocket-protocol"] ?? "").split(",").map((p) => p.trim()).filter((p) => READABLE_PROTOCOL.test(p));
  return offered.length > 0 ? offered.join(", ") : undefined;
}

/**
 * Reads a tty exec or attach as it passes, both ways: stdin and resizes from the client's frames,
 * stdout and stderr from the apiserver's, handed to `record` as terminal events. The bytes relayed
 * are never changed; this only reads.
 */
export class TerminalStream {
  readonly fromClient: WebSocketChannelReader;
  readonly fromServer: WebSocketChannelReader;

  constructor(record: (event: TerminalEvent) => void, alsoFromServer: (channel: number, data: Buffer) => void = () => undefined) {
    let resize = "";
    this.fromClient = new WebSocketChannelReader((channel, data) => {
      if (channel === STDIN) record({ event: "input", data: Buffer.from(data) });
      else if (channel === RESIZE) {
        // One small JSON object per message ({"Width":80,"Height":24}); read once it parses.
        resize = (resize + data.toString("utf8")).slice(-256);
        const size = parseSize(resize);
        if (size) {
          resize = "";
          record({ event: "resize", size });
        }
      }
    });
    this.fromServer = new WebSocketChannelReader((channel, data) => {
      if (channel === STDOUT) record({ event: "output", data: Buffer.from(data) });
      else if (channel === STDERR) record({ event: "error", data: Buffer.from(data) });
      alsoFromServer(channel, data);
    });
  }
}

function parseSize(text: string): { cols: number; rows: number } | undefined {
  try {
    const size = JSON.parse(text) as { Width?: unknown; Height?: unknown };
    if (typeof size.Width === "number" && typeof size.Height === "number") return { cols: size.Width, rows: size.Height };
  } catch {
    // not whole yet
  }
  return undefined;
}
