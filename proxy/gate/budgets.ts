import { MemoryCounterStore, WindowCounters } from "../../engine/limits/window-counters.js";

/** What a request may still use of one of its decision's budgets (rows it reads, bytes it receives). */
export interface Allowance {
  /**
   * What the request may use from now on, given `used` already used by it (a portal fetched in parts):
   * the per-request limit less that, or what is left of the window, whichever is less, and which of
   * the two it is, for the client when the request is cut there. Read again at each step, as spending
   * (by this request and the caller's others) shrinks the window.
   */
  left(used?: number): { max: number; reason: string };
  /** Counts what the request used against the window, when there is one (nothing otherwise). */
  spend(n: number): void;
  /** Seconds until the window resets, when there is one: for the client told it was cut. */
  resetSeconds(): number | undefined;
}

/** A budget over a window: what is left of it for the caller, and when it resets. */
export interface WindowState {
  left: number;
  resetSeconds: number;
}

/**
 * The decision's budgets over time windows (requests per minute, rows, bytes and commands per window),
 * counted per caller in the gateway's window counters: in memory, a file of the state directory, or
 * PostgreSQL shared by instances (engine/limits). Protocol-neutral: proxies only spend allowances.
 */
export class Budgets {
  readonly counters: WindowCounters;

  constructor(counters: WindowCounters) {
    this.counters = counters;
  }

  /** Counts kept in this process only (tests; a gateway built without the shared ones). */
  static inMemory(): Budgets {
    return new Budgets(new WindowCounters(new MemoryCounterStore()));
  }

  /** What is left of a budget of `limit` per `seconds` for `key`, and when its window ends. */
  state(key: string, limit: number, seconds: number, now = Date.now()): WindowState {
    const { used, resetsAt } = this.counters.used(key, seconds, now);
    return { left: Math.max(0, limit - used), resetSeconds: Math.max(1, Math.ceil((resetsAt - now) / 1000)) };
  }

  /** Counts one use of `key`'s budget; none left: refused with the seconds until it resets. */
  consume(key: string, limit: number, seconds: number, now = Date.now()): { ok: true } | { ok: false; resetSeconds: number } {
    const state = this.state(key, limit, seconds, now);
    if (state.left <= 0) return { ok: false, resetSeconds: state.resetSeconds };
    this.counters.add(key, seconds, 1, now);
    return { ok: true };
  }

  /** Reads the counts of windows this instance has not counted in yet (rejects when they cannot be known). */
  ready(windows: Array<{ key: string; seconds: number }>): Promise<void> {
    return this.counters.ready(windows);
  }

  /** Counts `n` against `key`'s window (what a request used as it ran). */
  spend(key: string, seconds: number, n: number): void {
    this.counters.add(key, seconds, n);
  }

  close(): Promise<void> {
    return this.counters.close();
  }
}
