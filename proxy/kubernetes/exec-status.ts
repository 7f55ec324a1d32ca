/**
 * How an exec ended, read from the apiserver's side of a WebSocket stream (`v5.channel.k8s.io` and
 * `v4.channel.k8s.io`): every binary message starts with its channel byte, and channel 3 carries a
 * `Status` when the command ends — Success, or Failure with an `ExitCode` cause. Pure: bytes in, the
 * exit status out; server-to-client frames are never masked (RFC 6455 §5.1).
 * https://kubernetes.io/docs/reference/kubernetes-api/ (remotecommand), RFC 6455 §5.2
 */

const ERROR_CHANNEL = 3;
/** A Status is small; anything bigger on the error channel is not read. */
const MAX_STATUS_BYTES = 64 * 1024;

export class ExecStatusReader {
  private buffer: Buffer = Buffer.alloc(0);
  private status = "";
  /** Bytes of a large frame (output, never a Status) still to pass over without holding them. */
  private skip = 0;

  /** Feeds bytes the apiserver sent after the 101 response. */
  push(chunk: Buffer): void {
    let data = chunk;
    if (this.skip > 0) {
      const skipped = Math.min(this.skip, data.length);
      this.skip -= skipped;
      data = data.subarray(skipped);
    }
    this.buffer = this.buffer.length === 0 ? data : Buffer.concat([this.buffer, data]);
    for (;;) {
      const frame = this.nextFrame();
      if (!frame || this.skip > 0) break;
      const { opcode, payload } = frame;
      // Binary data frames (2) carry a channel byte first; continuation frames of a channel message are not used by the apiserver.
      if (opcode === 2 && payload[0] === ERROR_CHANNEL && this.status.length + payload.length <= MAX_STATUS_BYTES) this.status += payload.subarray(1).toString("utf8");
    }
  }

  /**
   * The exit status: 0 for Success, the ExitCode cause's number for a failure, null when the command
   * failed without one (or the stream ended without saying); undefined when nothing was read.
   */
  exitStatus(): number | null | undefined {
    if (this.status === "") return undefined;
    try {
      const status = JSON.parse(this.status) as { status?: string; details?: { causes?: Array<{ reason?: string; message?: string }> } };
      if (status.status === "Success") return 0;
      const code = status.details?.causes?.find((c) => c.reason === "ExitCode")?.message;
      return code !== undefined && /^\d+$/.test(code) ? Number(code) : null;
    } catch {
      return null;
    }
  }

  /** One whole frame off the front of the buffer, or undefined until it has arrived. */
  private nextFrame(): { opcode: number; payload: Buffer } | undefined {
    const b = this.buffer;
    if (b.length < 2) return undefined;
    const opcode = b[0]! & 0x0f;
    const masked = (b[1]! & 0x80) !== 0;
    let length = b[1]! & 0x7f;
    let offset = 2;
    if (length === 126) {
      if (b.length < 4) return undefined;
      length = b.readUInt16BE(2);
      offset = 4;
    } else if (length === 127) {
      if (b.length < 10) return undefined;
      length = Number(b.readBigUInt64BE(2));
      offset = 10;
    }
    if (masked) offset += 4;
    // A frame larger than a Status can be is output: passed over, never held.
    if (length > MAX_STATUS_BYTES + 1 && b.length < offset + length) {
      this.skip = offset + length - b.length;
      this.buffer = Buffer.alloc(0);
      return { opcode: -1, payload: Buffer.alloc(0) };
    }
    if (b.length < offset + length) return undefined;
    const payload = b.subarray(offset, offset + length);
    this.buffer = b.subarray(offset + length);
    return { opcode, payload };
  }
}
