import type { Frame } from "./protocol/frame-reader.js";

/** How many client messages, or bytes of them, may wait behind a decision before the client is paused. */
const MAX_FRAMES = 256;
const MAX_BYTES = 1024 * 1024;

/**
 * Client messages waiting, in order, while one before them is decided. The client is read on meanwhile
 * (pausing and resuming its socket around every decision cost two kernel calls a statement), up to a
 * bound: past it `onBacklog(true)` asks for the socket to be paused, and once the pump has taken half
 * back out `onBacklog(false)` resumes it, so no client holds unbounded memory in the gateway.
 */
export class ClientInbox {
  private readonly frames: Frame[] = [];
  private bytes = 0;
  private backlogged = false;
  private readonly onBacklog: (backlogged: boolean) => void;

  constructor(onBacklog: (backlogged: boolean) => void) {
    this.onBacklog = onBacklog;
  }

  get length(): number {
    return this.frames.length;
  }

  push(frames: readonly Frame[]): void {
    for (const frame of frames) {
      this.frames.push(frame);
      this.bytes += frame.raw.length;
    }
    if (!this.backlogged && (this.frames.length > MAX_FRAMES || this.bytes > MAX_BYTES)) {
      this.backlogged = true;
      this.onBacklog(true);
    }
  }

  /** The oldest waiting message; only called when `length > 0`. */
  shift(): Frame {
    const frame = this.frames.shift()!;
    this.bytes -= frame.raw.length;
    if (this.backlogged && this.frames.length <= MAX_FRAMES / 2 && this.bytes <= MAX_BYTES / 2) {
      this.backlogged = false;
      this.onBacklog(false);
    }
    return frame;
  }
}
