/** One minute: the window a requests_per_minute budget is counted over. */
const WINDOW_MS = 60_000;

/**
 * Requests counted per caller in fixed one-minute windows, for the decision's
 * `limits.requests_per_minute`. A window starts at a caller's first request and its count resets when
 * it ends, so a refusal can say exactly when the caller may go on. Counted in this gateway instance's
 * memory: each instance enforces the budget on the requests it sees.
 */
export class RequestRates {
  private readonly windows = new Map<string, { startedAt: number; count: number }>();

  /** Counts one request of `caller`; over `perMinute` it is refused with the seconds until the window resets. */
  consume(caller: string, perMinute: number, now = Date.now()): { ok: true } | { ok: false; resetSeconds: number } {
    let window = this.windows.get(caller);
    if (!window || now - window.startedAt >= WINDOW_MS) {
      this.sweep(now);
      window = { startedAt: now, count: 0 };
      this.windows.set(caller, window);
    }
    if (window.count >= perMinute) return { ok: false, resetSeconds: Math.max(1, Math.ceil((window.startedAt + WINDOW_MS - now) / 1000)) };
    window.count++;
    return { ok: true };
  }

  /** Windows that ended are forgotten, so callers that stopped asking cost nothing. */
  private sweep(now: number): void {
    for (const [caller, window] of this.windows) if (now - window.startedAt >= WINDOW_MS) this.windows.delete(caller);
  }
}
