import { randomInt } from "node:crypto";

/**
 * The BackendKeyData the gateway hands each client is its own: a client's CancelRequest names a
 * gateway session, which is mapped to the upstream backend it runs on. Upstream keys never reach clients.
 */
export class CancelRegistry {
  private readonly sessions = new Map<string, () => void>();

  /** Issues a fresh key pair for a session whose `cancel` forwards a cancel upstream. */
  issue(cancel: () => void): { processId: number; secretKey: number; release: () => void } {
    for (;;) {
      const processId = randomInt(1, 2 ** 31 - 1);
      const secretKey = randomInt(-(2 ** 31), 2 ** 31 - 1);
      const key = `${processId}:${secretKey}`;
      if (this.sessions.has(key)) continue;
      this.sessions.set(key, cancel);
      return { processId, secretKey, release: () => this.sessions.delete(key) };
    }
  }

  /** Runs the cancel of the session with this key; unknown keys are ignored, as a server does. */
  cancel(processId: number, secretKey: number): boolean {
    const run = this.sessions.get(`${processId}:${secretKey}`);
    if (!run) return false;
    run();
    return true;
  }

  get size(): number {
    return this.sessions.size;
  }
}
