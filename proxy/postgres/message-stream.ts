import type { Socket } from "node:net";
import { FrameReader, ProtocolError, type Frame } from "./protocol/frame-reader.js";

/**
 * Promise-style reading of whole messages from a socket, for the handshake where each step waits for
 * one message. Closing, a socket error or malformed input rejects the pending read.
 */
export class MessageStream {
  readonly reader: FrameReader;
  private socket: Socket;
  private queue: Frame[] = [];
  private waiting: { resolve: (f: Frame) => void; reject: (e: Error) => void } | undefined;
  private failure: Error | undefined;
  private readonly onData = (chunk: Buffer): void => {
    try {
      this.queue.push(...this.reader.push(chunk));
    } catch (error) {
      this.fail(error instanceof Error ? error : new ProtocolError(String(error)));
      return;
    }
    this.flush();
  };
  private readonly onEnd = (): void => this.fail(new ProtocolError("client closed the connection"));
  private readonly onError = (error: Error): void => this.fail(error);

  constructor(socket: Socket, reader: FrameReader) {
    this.socket = socket;
    this.reader = reader;
    this.attach(socket);
  }

  next(): Promise<Frame> {
    const frame = this.queue.shift();
    if (frame) return Promise.resolve(frame);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
    });
  }

  /** Frames already read but not consumed (a client may pipeline its first queries after the password). */
  takeQueued(): Frame[] {
    const frames = this.queue;
    this.queue = [];
    return frames;
  }

  /** Stops reading from the current socket (before a TLS upgrade, or when the session takes over). */
  detach(): void {
    this.socket.removeListener("data", this.onData);
    this.socket.removeListener("end", this.onEnd);
    this.socket.removeListener("close", this.onEnd);
    this.socket.removeListener("error", this.onError);
  }

  attach(socket: Socket): void {
    this.socket = socket;
    socket.on("data", this.onData);
    socket.on("end", this.onEnd);
    socket.on("close", this.onEnd);
    socket.on("error", this.onError);
  }

  private flush(): void {
    if (!this.waiting) return;
    const frame = this.queue.shift();
    if (!frame) return;
    const w = this.waiting;
    this.waiting = undefined;
    w.resolve(frame);
  }

  private fail(error: Error): void {
    this.failure ??= error;
    if (this.waiting) {
      const w = this.waiting;
      this.waiting = undefined;
      w.reject(this.failure);
    }
  }
}
