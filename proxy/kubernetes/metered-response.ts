import type { ServerResponse } from "node:http";
import type { Readable } from "node:stream";
import type { ByteMeter } from "../gate/byte-meter.js";
import { meteredPipe, type Sink } from "../gate/metered-pipe.js";
import { status } from "./status.js";

/** How a response body is cut where its byte allowance ends. */
export type BodyKind = "text" | "watch" | "other";

/**
 * Relays a response body to the client through the request's byte meter (the decision's
 * bytes_per_window), with backpressure as pipe() has. Where the allowance ends mid-body the body is
 * cut there and the connection ended without the body's last chunk, so the client reads a truncated
 * response as the error it is, never as a complete list. A log (text) is told why first, on a line of
 * its own, since kubectl prints it before the error. A JSON watch is newline-delimited events: cut at
 * an event's end it gets an ERROR event carrying a Status, as the apiserver ends a watch it cannot
 * continue (client-go takes a bare end of a watch for a normal one and says nothing). Resolves with
 * whether the body was cut.
 */
export function relayMetered(source: Readable, client: ServerResponse, meter: ByteMeter, kind: BodyKind): Promise<{ cut: boolean }> {
  return new Promise((resolve) => {
    let finished = false;
    const finish = (cut: boolean): void => {
      if (finished) return;
      finished = true;
      resolve({ cut });
    };
    /** Whether what was sent ends where an event does (a watch's events end with a newline). */
    let atEventEnd = true;
    const watchSink: Sink = {
      write: (chunk) => {
        // The chunk the allowance ends in is sent up to its last whole event, so the error event can follow.
        const newline = chunk.lastIndexOf(0x0a);
        const sent = meter.cut ? chunk.subarray(0, newline + 1) : chunk;
        if (sent.length > 0) atEventEnd = sent[sent.length - 1] === 0x0a;
        return client.write(sent);
      },
      once: (event, listener) => client.once(event, listener),
    };
    const sink = kind === "watch" ? watchSink : client;
    meteredPipe(source, sink, meter, () => {
      source.destroy();
      if (kind === "text") client.write(`\n${meter.message()}\n`);
      if (kind === "watch" && atEventEnd) {
        client.end(`${JSON.stringify({ type: "ERROR", object: status(429, "TooManyRequests", meter.message()) })}\n`);
        return finish(true);
      }
      // Ending the socket (not the response) leaves the chunked body unterminated: the client sees it cut.
      const socket = client.socket;
      if (socket) socket.end();
      else client.destroy();
      finish(true);
    });
    source.once("end", () => {
      client.end();
      finish(false);
    });
    source.once("error", () => {
      client.destroy();
      finish(false);
    });
    client.once("close", () => {
      source.destroy();
      finish(false);
    });
  });
}

