/**
 * The SSH wire encoding (RFC 4251 section 5) of the few types certificates use: uint32, uint64,
 * string. The reader throws on anything cut short, so a truncated or padded blob never parses.
 */

export class SshWriter {
  private readonly parts: Buffer[] = [];

  uint32(value: number): this {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(value);
    this.parts.push(b);
    return this;
  }

  uint64(value: bigint): this {
    const b = Buffer.alloc(8);
    b.writeBigUInt64BE(value);
    this.parts.push(b);
    return this;
  }

  string(value: Buffer | string): this {
    const bytes = typeof value === "string" ? Buffer.from(value, "utf8") : value;
    this.uint32(bytes.length);
    this.parts.push(bytes);
    return this;
  }

  toBuffer(): Buffer {
    return Buffer.concat(this.parts);
  }
}

export class SshReader {
  private offset = 0;
  private readonly bytes: Buffer;

  constructor(bytes: Buffer) {
    this.bytes = bytes;
  }

  get position(): number {
    return this.offset;
  }

  get atEnd(): boolean {
    return this.offset === this.bytes.length;
  }

  uint32(): number {
    this.need(4);
    const value = this.bytes.readUInt32BE(this.offset);
    this.offset += 4;
    return value;
  }

  uint64(): bigint {
    this.need(8);
    const value = this.bytes.readBigUInt64BE(this.offset);
    this.offset += 8;
    return value;
  }

  string(): Buffer {
    const length = this.uint32();
    this.need(length);
    const value = this.bytes.subarray(this.offset, this.offset + length);
    this.offset += length;
    return value;
  }

  text(): string {
    const bytes = this.string();
    const text = bytes.toString("utf8");
    if (!Buffer.from(text, "utf8").equals(bytes)) throw new Error("a name is not valid UTF-8");
    return text;
  }

  private need(n: number): void {
    if (this.offset + n > this.bytes.length) throw new Error("the blob is cut short");
  }
}

/** Reads a packed list of strings (a certificate's principals). */
export function readStringList(blob: Buffer): string[] {
  const reader = new SshReader(blob);
  const out: string[] = [];
  while (!reader.atEnd) out.push(reader.text());
  return out;
}

/** Reads packed name/data pairs (critical options, extensions); names must be unique and sorted, as OpenSSH requires. */
export function readOptions(blob: Buffer): Map<string, Buffer> {
  const reader = new SshReader(blob);
  const out = new Map<string, Buffer>();
  let previous = "";
  while (!reader.atEnd) {
    const name = reader.text();
    if (out.has(name) || (previous !== "" && name < previous)) throw new Error(`option ${JSON.stringify(name.slice(0, 64))} is repeated or out of order`);
    out.set(name, reader.string());
    previous = name;
  }
  return out;
}

/** Packs name/data pairs sorted by name; data is itself a string (empty for flags). */
export function writeOptions(options: Map<string, Buffer>): Buffer {
  const writer = new SshWriter();
  for (const name of [...options.keys()].sort()) {
    const data = options.get(name)!;
    writer.string(name).string(data.length === 0 ? data : new SshWriter().string(data).toBuffer());
  }
  return writer.toBuffer();
}
