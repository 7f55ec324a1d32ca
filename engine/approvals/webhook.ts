import { createHmac } from "node:crypto";
import { messageOf } from "../errors.js";
import type { ApprovalRequest } from "./types.js";

export interface WebhookConfig {
  url: string;
  /** The HMAC-SHA256 key; receivers check X-Portcullis-Signature with it. */
  secret: string;
  /** Tries per event (default 3), with a growing pause between them. */
  attempts?: number;
  /** Per try (default 5000 ms). */
  timeoutMs?: number;
}

export type WebhookEventType = "approval.created" | "approval.decided";

export const SIGNATURE_HEADER = "x-portcullis-signature";

/** `sha256=<hex HMAC-SHA256 of the body>`: what X-Portcullis-Signature carries. */
export function signWebhookBody(body: string, secret: string): string {
  return `sha256=${createHmac("sha256", secret).update(body, "utf8").digest("hex")}`;
}

/**
 * Posts approval events as signed JSON to one URL (for routing approvals to chat). Delivery never
 * blocks the gateway: `send` returns at once; failures are retried a few times, then logged and dropped.
 */
export class WebhookSender {
  private readonly config: WebhookConfig;
  private readonly log: (line: string) => void;
  private readonly stop = new AbortController();
  private readonly inFlight = new Set<Promise<void>>();

  constructor(config: WebhookConfig, log: (line: string) => void) {
    const url = new URL(config.url);
    if (url.protocol !== "https:" && url.protocol !== "http:") throw new Error(`the approvals webhook URL must be http(s): ${config.url}`);
    if (!config.secret) throw new Error("the approvals webhook needs a secret to sign with");
    this.config = config;
    this.log = log;
  }

  send(type: WebhookEventType, approval: ApprovalRequest): void {
    if (this.stop.signal.aborted) return;
    const delivery = this.deliver(type, approval).finally(() => this.inFlight.delete(delivery));
    this.inFlight.add(delivery);
  }

  /** Waits up to `graceMs` for deliveries under way, then abandons the rest. */
  async close(graceMs = 2_000): Promise<void> {
    const grace = new Promise<void>((resolve) => setTimeout(resolve, graceMs).unref());
    await Promise.race([Promise.allSettled([...this.inFlight]), grace]);
    this.stop.abort();
  }

  private async deliver(type: WebhookEventType, approval: ApprovalRequest): Promise<void> {
    const body = JSON.stringify({ type, approval });
    const headers = { "content-type": "application/json", [SIGNATURE_HEADER]: signWebhookBody(body, this.config.secret), "user-agent": "portcullis-approvals" };
    const attempts = this.config.attempts ?? 3;
    let problem = "";
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (this.stop.signal.aborted) return;
      try {
        const response = await fetch(this.config.url, {
          method: "POST",
          headers,
          body,
          redirect: "error",
          signal: AbortSignal.any([this.stop.signal, AbortSignal.timeout(this.config.timeoutMs ?? 5_000)]),
        });
        await response.arrayBuffer().catch(() => undefined);
        if (response.ok) return;
        problem = `HTTP ${response.status}`;
      } catch (error) {
        problem = messageOf(error);
      }
      if (attempt < attempts) await pause(250 * 4 ** (attempt - 1), this.stop.signal);
    }
    this.log(`approvals webhook: ${type} for ${approval.id} was not delivered after ${attempts} tries: ${problem}`);
  }
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}
