/**
 * Reads the Kubernetes channel protocol (`v5.channel.k8s.io`, `v4.channel.k8s.io`, `channel.k8s.io`)
 * off one direction of a WebSocket connection as the bytes pass, without holding a frame: each data
 * message's first payload byte is its channel (0 stdin, 1 stdout, 2 stderr, 3 error/status,
 * 4 resize), the rest is that channel's data, handed on piece by piece as it arrives. Client frames
 * are masked (RFC 6455 §5.3) and are unmasked here; control frames (close, ping, pong) are passed
 * over. Pure: bytes in, (channel, data) out; the relay forwards the original bytes untouched.
 * https://github.com/kubernetes/kubernetes (staging/src/k8s.io/apimachinery/pkg/util/remotecommand), RFC 6455 §5.2
 */

export type ChannelData = (channel: number, data: Buffer) => void;

/** The longest frame header: 2 bytes, 8 of extended length, 4 of mask key. */
const MAX_HEADER = 14;

export class WebSocketChannelReader {
  private readonly onData: ChannelData;
  private header: Buffer = Buffer.alloc(0);
  /** Payload bytes of the current frame still to come. */
  private remaining = 0;
  private mask: Buffer | undefined;
  /** Position in the current frame's payload, for the mask. */
  private position = 0;
  private control = false;
  /** The channel of the message being read; undefined until its first payload byte. */
  private channel: number | undefined;
  /** The current frame starts a message (its first payload byte is the channel). */
  private startsMessage = false;

  constructor(onData: ChannelData) {
    this.onData = onData;
  }

  push(chunk: Buffer): void {
    let data = chunk;
    while (data.length > 0) {
      if (this.remaining === 0) {
        const used = this.readHeader(data);
        if (used < 0) return;
        data = data.subarray(used);
        continue;
      }
      const take = Math.min(this.remaining, data.length);
      this.payload(data.subarray(0, take));
      this.remaining -= take;
      data = data.subarray(take);
    }
  }

  /**
   * Adds bytes to the pending frame header; when it is whole, starts the frame and answers how many
   * bytes of `data` it used, or -1 when `data` ended inside the header (kept for the next chunk).
   */
  private readHeader(data: Buffer): number {
    const available = this.header.length === 0 ? data.subarray(0, MAX_HEADER) : Buffer.concat([this.header, data.subarray(0, MAX_HEADER)]);
    if (available.length < 2) return this.keep(available);
    const opcode = available[0]! & 0x0f;
    const masked = (available[1]! & 0x80) !== 0;
    let length = available[1]! & 0x7f;
    let offset = 2;
    if (length === 126) {
      if (available.length < 4) return this.keep(available);
      length = available.readUInt16BE(2);
      offset = 4;
    } else if (length === 127) {
      if (available.length < 10) return this.keep(available);
      length = Number(available.readBigUInt64BE(2));
      offset = 10;
    }
    if (masked) {
      if (available.length < offset + 4) return this.keep(available);
      this.mask = Buffer.from(available.subarray(offset, offset + 4));
      offset += 4;
    } else this.mask = undefined;
    const used = offset - this.header.length;
    this.header = Buffer.alloc(0);
    this.remaining = length;
    this.position = 0;
    this.control = opcode >= 8;
    // A text or binary frame starts a message; a continuation (0) goes on with the message's channel.
    this.startsMessage = !this.control && opcode !== 0;
    if (this.startsMessage) this.channel = undefined;
    return used;
  }

  private keep(available: Buffer): number {
    this.header = Buffer.from(available);
    return -1;
  }

  private payload(bytes: Buffer): void {
    if (this.control) {
      this.position += bytes.length;
      return;
    }
    let data = bytes;
    if (this.mask) {
      data = Buffer.allocUnsafe(bytes.length);
      for (let i = 0; i < bytes.length; i++) data[i] = bytes[i]! ^ this.mask[(this.position + i) & 3]!;
    }
    this.position += bytes.length;
    if (this.startsMessage && this.channel === undefined) {
      this.channel = data[0]!;
      data = data.subarray(1);
    }
    if (this.channel !== undefined && data.length > 0) this.onData(this.channel, data);
  }
}
