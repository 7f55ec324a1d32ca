/** Builds one wire message: type byte, int32 length, body. Grows as needed; used for every message the gateway writes itself. */
export class MessageWriter {
  private buffer: Buffer;
  private length = 0;

  constructor(initial = 256) {
    this.buffer = Buffer.allocUnsafe(initial);
  }

  int16(v: number): this {
    this.ensure(2);
    this.buffer.writeInt16BE(v, this.length);
    this.length += 2;
    return this;
  }

  int32(v: number): this {
    this.ensure(4);
    this.buffer.writeInt32BE(v, this.length);
    this.length += 4;
    return this;
  }

  byte(v: number): this {
    this.ensure(1);
    this.buffer[this.length++] = v;
    return this;
  }

  bytes(v: Buffer): this {
    this.ensure(v.length);
    v.copy(this.buffer, this.length);
    this.length += v.length;
    return this;
  }

  cstring(v: string): this {
    const encoded = Buffer.from(v, "utf8");
    // A NUL inside would end the string early on the client: drop it.
    return this.bytes(encoded.includes(0) ? Buffer.from(v.replaceAll("\0", ""), "utf8") : encoded).byte(0);
  }

  /** The finished message with type byte `type` ("" for none). */
  finish(type: string): Buffer {
    const header = type === "" ? 4 : 5;
    const out = Buffer.allocUnsafe(header + this.length);
    if (type !== "") out[0] = type.charCodeAt(0);
    out.writeInt32BE(this.length + 4, header - 4);
    this.buffer.copy(out, header, 0, this.length);
    return out;
  }

  private ensure(n: number): void {
    if (this.length + n <= this.buffer.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.length + n));
    this.buffer.copy(next, 0, 0, this.length);
    this.buffer = next;
  }
}
