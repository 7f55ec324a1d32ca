import { WebSocketChannelReader } from "./websocket-channels.js";

/**
 * How an exec ended, read from the apiserver's side of a WebSocket stream (`v5.channel.k8s.io` and
 * `v4.channel.k8s.io`): channel 3 carries a `Status` when the command ends — Success, or Failure
 * with an `ExitCode` cause. Pure: bytes in, the exit status out; output channels are passed over.
 * https://kubernetes.io/docs/reference/kubernetes-api/ (remotecommand)
 */

const ERROR_CHANNEL = 3;
/** A Status is small; anything bigger on the error channel is not read. */
const MAX_STATUS_BYTES = 64 * 1024;

export class ExecStatusReader {
  private status = "";
  private tooLong = false;
  private readonly channels = new WebSocketChannelReader((channel, data) => this.onChannel(channel, data));

  /** Feeds bytes the apiserver sent after the 101 response. */
  push(chunk: Buffer): void {
    this.channels.push(chunk);
  }

  /** Feeds what another reader of the same bytes found on a channel (one parse of the stream serves both). */
  onChannel(channel: number, data: Buffer): void {
    if (channel !== ERROR_CHANNEL || this.tooLong) return;
    if (this.status.length + data.length > MAX_STATUS_BYTES) {
      this.tooLong = true;
      this.status = "";
      return;
    }
    this.status += data.toString("utf8");
  }

  /**
   * The exit status: 0 for Success, the ExitCode cause's number for a failure, null when the command
   * failed without one (or the stream ended without saying); undefined when nothing was read.
   */
  exitStatus(): number | null | undefined {
    if (this.tooLong) return null;
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
}
