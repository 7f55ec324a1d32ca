import type { Readable } from "node:stream";
import type { ByteMeter } from "./byte-meter.js";

/** Where a metered pipe writes: a Writable, or a wrapper that shapes what it is given before writing. */
export interface Sink {
  write(chunk: Buffer): boolean;
  once(event: "drain", listener: () => void): unknown;
}

/**
 * Pipes `from` to `to` through `meter`, with backpressure as pipe() has: what passes is written as it
 * comes, and once the allowance ends mid-stream `from` stops being read and `cut` is called (once per
 * meter: a meter shared by two pipes, stdout and stderr, cuts them both).
 */
export function meteredPipe(from: Readable, to: Sink, meter: ByteMeter, cut: () => void): void {
  const onData = (chunk: Buffer): void => {
    const allowed = meter.pass(chunk);
    if (allowed.length > 0 && !to.write(allowed)) {
      from.pause();
      to.once("drain", () => from.resume());
    }
    if (!meter.cut) return;
    from.off("data", onData);
    cut();
  };
  from.on("data", onData);
}
