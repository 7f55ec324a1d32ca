import { CodedError } from "../../../engine/errors.js";

/**
 * Splits a PostgreSQL v3 byte stream into messages. Bytes arrive in arbitrary chunks; a message is
 * one type byte and an int32 length that counts itself (the startup phase has no type byte). The
 * reader never trusts a length: anything outside [4, maxLength] is a protocol error, raised before
 * a single byte of the body is buffered, so a 1 GB length prefix costs nothing.
 */

export class ProtocolError extends CodedError<"PROTOCOL_VIOLATION"> {
  constructor(message: string) {
    super("PROTOCOL_VIOLATION", message);
  }
}

export interface Frame {
  /** The type byte as a character (`Q`, `P`…); "" for an untyped startup-phase message. */
  type: string;
  /** The body, without type byte and length. May share memory with the chunk it came in. */
  body: Buffer;
  /** The whole message as it crossed the wire (type, length and body), for forwarding untouched. */
  raw: Buffer;
}

export interface FrameReaderOptions {
  /** Largest accepted message body in bytes. */
  maxLength: number;
  /** Type bytes accepted (all when absent). */
  allowedTypes?: ReadonlySet<string>;
}

export class FrameReader {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private untypedNext = false;
  private nextLimit: number | undefined;
  private anyTypeNext = false;
  private readonly options: FrameReaderOptions;

  constructor(options: FrameReaderOptions) {
    this.options = options;
  }

  /** The next message is a startup-phase message with no type byte (StartupMessage, SSLRequest…). */
  expectUntyped(): void {
    this.untypedNext = true;
  }

  /** Caps the next message's body below `maxLength` (a password before authentication needs far less than a query). */
  limitNext(maxLength: number): void {
    this.nextLimit = maxLength;
  }

  /** Accepts any type byte for the next message only (its reader answers a wrong one as the server would). */
  acceptAnyTypeNext(): void {
    this.anyTypeNext = true;
  }

  /** Bytes received but not yet returned as a frame (for example after a TLS upgrade request). */
  get buffered(): number {
    return this.pendingBytes;
  }

  /** Appends a chunk and returns every complete frame it finishes. Throws ProtocolError on bad input. */
  push(chunk: Buffer): Frame[] {
    if (chunk.length > 0) {
      this.pending.push(chunk);
      this.pendingBytes += chunk.length;
    }
    const frames: Frame[] = [];
    for (;;) {
      const frame = this.next();
      if (!frame) return frames;
      frames.push(frame);
    }
  }

  private next(): Frame | undefined {
    const header = this.untypedNext ? 4 : 5;
    if (this.pendingBytes < header) return undefined;
    const head = this.peek(header);
    const type = this.untypedNext ? "" : String.fromCharCode(head[0]!);
    const length = head.readInt32BE(header - 4);
    if (type !== "" && !this.anyTypeNext && this.options.allowedTypes && !this.options.allowedTypes.has(type)) {
      throw new ProtocolError(`unexpected message type 0x${head[0]!.toString(16).padStart(2, "0")}`);
    }
    if (length < 4 || length - 4 > (this.nextLimit ?? this.options.maxLength)) {
      throw new ProtocolError(`invalid message length ${length}`);
    }
    const total = length + header - 4;
    if (this.pendingBytes < total) return undefined;
    const raw = this.take(total);
    this.untypedNext = false;
    this.nextLimit = undefined;
    this.anyTypeNext = false;
    return { type, body: raw.subarray(header), raw };
  }

  private peek(n: number): Buffer {
    const first = this.pending[0]!;
    if (first.length >= n) return first;
    return Buffer.concat(this.pending).subarray(0, n);
  }

  private take(n: number): Buffer {
    const first = this.pending[0]!;
    let out: Buffer;
    if (first.length >= n) {
      out = first.subarray(0, n);
      if (first.length === n) this.pending.shift();
      else this.pending[0] = first.subarray(n);
    } else {
      const all = Buffer.concat(this.pending, this.pendingBytes);
      out = all.subarray(0, n);
      this.pending = all.length > n ? [all.subarray(n)] : [];
    }
    this.pendingBytes -= n;
    return out;
  }

  /** Hands back every buffered byte (used when a connection switches to TLS mid-stream). */
  drain(): Buffer {
    const all = Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    return all;
  }
}
