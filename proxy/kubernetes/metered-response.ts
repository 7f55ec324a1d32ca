import type { ServerResponse } from "node:http";
import type { Readable } from "node:stream";
import type { ByteMeter } from "../gate/byte-meter.js";
import { meteredPipe } from "../gate/metered-pipe.js";

/**
 * Relays a response body to the client through the request's byte meter (the decision's
 * bytes_per_window), with backpressure as pipe() has. Where the allowance ends mid-body the body is
 * cut there and the connection ended without the body's last chunk, so the client reads a truncated
 * response as the error it is, never as a complete list or a clean end of a watch. A log (text) is
 * told why first, on a line of its own, since kubectl prints it before the error. Resolves with
 * whether the body was cut.
 */
export function relayMetered(source: Readable, client: ServerResponse, meter: ByteMeter, text: boolean): Promise<{ cut: boolean }> {
  return new Promise((resolve) => {
    let finished = false;
    const finish = (cut: boolean): void => {
      if (finished) return;
      finished = true;
      resolve({ cut });
    };
    meteredPipe(source, client, meter, () => {
      source.destroy();
      if (text) client.write(`\n${meter.message()}\n`);
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
