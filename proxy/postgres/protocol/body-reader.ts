import { ProtocolError } from "./frame-reader.js";

/** A bounds-checked cursor over a message body: every overrun is a ProtocolError, never a RangeError. */
export class BodyReader {
  private offset = 0;
  private readonly body: Buffer;

  constructor(body: Buffer) {
    this.body = body;
  }

  get remaining(): number {
    return this.body.length - this.offset;
  }

  int16(): number {
    this.need(2);
    const v = this.body.readInt16BE(this.offset);
    this.offset += 2;
    return v;
  }

  int32(): number {
    this.need(4);
    const v = this.body.readInt32BE(this.offset);
    this.offset += 4;
    return v;
  }

  byte(): number {
    this.need(1);
    return this.body[this.offset++]!;
  }

  bytes(n: number): Buffer {
    if (n < 0) throw new ProtocolError("negative length inside a message");
    this.need(n);
    const v = this.body.subarray(this.offset, this.offset + n);
    this.offset += n;
    return v;
  }

  /** A NUL-terminated string. Embedded invalid UTF-8 is replaced, as PostgreSQL would reject it anyway. */
  cstring(): string {
    const end = this.body.indexOf(0, this.offset);
    if (end < 0) throw new ProtocolError("string without terminator");
    const v = this.body.toString("utf8", this.offset, end);
    this.offset = end + 1;
    return v;
  }

  /** Asserts the whole body was consumed: trailing bytes mean a malformed message. */
  end(): void {
    if (this.offset !== this.body.length) throw new ProtocolError("trailing bytes in message");
  }

  private need(n: number): void {
    if (this.offset + n > this.body.length) throw new ProtocolError("message shorter than its contents");
  }
}
