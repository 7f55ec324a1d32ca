import type { Allowance } from "./budgets.js";

const EMPTY = Buffer.alloc(0);

/**
 * A request's output measured against its byte allowance as it passes (SSH channel data, a Kubernetes
 * response or stream), protocol-neutral and without I/O: each chunk is let through whole, or cut to
 * what is left, and spent at once. The allowance is read again for every chunk, since the caller's
 * other sessions spend the same window while this one streams; nothing is ever held back to be
 * counted, so the gateway holds no more than the chunk in hand.
 */
export class ByteMeter {
  /** Bytes let through so far (and spent). */
  sent = 0;
  /** Why the output was cut, once it was; nothing passes after that. */
  cutReason: string | undefined;
  private readonly allowance: Allowance;

  constructor(allowance: Allowance) {
    this.allowance = allowance;
  }

  get cut(): boolean {
    return this.cutReason !== undefined;
  }

  /** What the client may see now: nothing at all. True when the request may not send a single byte more. */
  exhausted(): boolean {
    if (this.cut) return true;
    const { max, reason } = this.allowance.left(this.sent);
    if (max > 0) return false;
    this.cutReason = reason;
    return true;
  }

  /** The part of `chunk` the client may receive: all of it, or its head up to the allowance (the meter is then cut). */
  pass(chunk: Buffer): Buffer {
    if (this.cut) return EMPTY;
    const { max, reason } = this.allowance.left(this.sent);
    const allowed = chunk.length <= max ? chunk : chunk.subarray(0, Math.max(0, max));
    if (allowed !== chunk) this.cutReason = reason;
    this.allowance.spend(allowed.length);
    this.sent += allowed.length;
    return allowed;
  }

  /** What the client is told when its output is cut (one line, without a newline). */
  message(): string {
    return `Portcullis cut this output off after ${this.sent} bytes: ${this.cutReason ?? "the policy's byte limit"}`;
  }
}
