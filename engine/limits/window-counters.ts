import { messageOf } from "../errors.js";

/** One window's count as a store keeps it: the budget's key, its length, and where it starts (epoch ms). */
export interface WindowKey {
  key: string;
  seconds: number;
  start: number;
}

/**
 * Where counts live beyond this process: a file for one instance, PostgreSQL for several. `sync` adds
 * this instance's counts since the last sync and answers the stored totals of every window asked
 * about (those added to and those only watched), so each instance learns what the others counted.
 */
export interface CounterStore {
  sync(deltas: Array<WindowKey & { delta: number }>): Promise<Map<string, number>>;
  close(): Promise<void>;
}

/** A window's identity in maps: key, length and start cannot collide (the key is JSON, the others numbers). */
export function windowId(w: WindowKey): string {
  return `${w.seconds}:${w.start}:${w.key}`;
}

/** Fixed windows aligned to the epoch: every instance agrees where a window starts without asking the others. */
export function windowStart(seconds: number, now: number): number {
  const length = seconds * 1000;
  return Math.floor(now / length) * length;
}

interface Entry extends WindowKey {
  /** The store's total at the last sync (this instance's synced counts and everyone else's). */
  shared: number;
  /** Counted here since the last sync. */
  local: number;
  /**
   * Counted here and being sent by the sync under way: still counted until the store's answer (whose
   * total includes it) arrives, or a budget would look less spent for as long as a sync takes.
   */
  sending: number;
}

/**
 * How long counts may go unsynced before budgets count as unknown and are refused: five failed syncs
 * in a row, as for shared revocations; a brief database hiccup does not stop every caller.
 */
export const STALE_MS = 5000;

/** Once a second: a crash loses at most the last second of counts, and instances see each other's within about a second. */
export const DEFAULT_SYNC_MS = 1000;

/**
 * Counts in fixed time windows, per budget key (a caller and what the budget is for), for the
 * decision's window limits: requests per minute, rows, bytes and commands per window. Counting and
 * reading are synchronous and local, so a request pays no round trip; counts are synced to the store
 * every `syncMs`, and the store's totals (every instance's counts) come back with each sync. So a
 * budget may be overrun by what other instances counted in the last second: the price of not asking
 * the database on every request.
 */
export class WindowCounters {
  private readonly entries = new Map<string, Entry>();
  private readonly store: CounterStore;
  private readonly timer: NodeJS.Timeout;
  private readonly log: (line: string) => void;
  private syncing: Promise<void> | undefined;
  /** When a sync last succeeded and last failed (epoch ms). */
  private lastSynced = Date.now();
  private lastFailed = 0;
  private closed = false;

  constructor(store: CounterStore, options: { syncMs?: number; log?: (line: string) => void } = {}) {
    this.store = store;
    this.log = options.log ?? (() => undefined);
    this.timer = setInterval(() => void this.sync(), options.syncMs ?? DEFAULT_SYNC_MS);
    this.timer.unref();
  }

  /** What has been counted for `key` in its current window (here and, as of the last sync, elsewhere), and when the window ends. */
  used(key: string, seconds: number, now = Date.now()): { used: number; resetsAt: number } {
    const start = windowStart(seconds, now);
    const entry = this.entries.get(windowId({ key, seconds, start }));
    return { used: entry ? entry.shared + entry.sending + entry.local : 0, resetsAt: start + seconds * 1000 };
  }

  /**
   * Makes sure this instance knows the store's counts for the current windows of `windows` before a
   * request is decided on them: the first request of a window (after a restart, or of a caller counted
   * on another instance) must see what was counted already, not zero. Rejects when the store cannot be
   * read, or has not been for longer than `STALE_MS`: a budget that cannot be known is not granted.
   */
  async ready(windows: Array<{ key: string; seconds: number }>, now = Date.now()): Promise<void> {
    let missing = false;
    for (const { key, seconds } of windows) {
      const start = windowStart(seconds, now);
      const id = windowId({ key, seconds, start });
      if (this.entries.has(id)) continue;
      this.entries.set(id, { key, seconds, start, shared: 0, local: 0, sending: 0 });
      missing = true;
    }
    if (missing) {
      // A sync already running may have started before these windows were added: wait for it, then
      // sync again, so the answer includes them.
      await this.syncing;
      await this.sync();
    }
    if (this.lastSynced < this.lastFailed && Date.now() - this.lastSynced > STALE_MS) {
      throw new Error(`the limit counters have not been read for ${Math.round((Date.now() - this.lastSynced) / 1000)} s`);
    }
    if (missing && this.lastFailed > this.lastSynced) throw new Error("the limit counters could not be read");
  }

  /** Counts `n` for `key` in its current window. */
  add(key: string, seconds: number, n: number, now = Date.now()): void {
    if (n <= 0) return;
    const start = windowStart(seconds, now);
    const id = windowId({ key, seconds, start });
    const entry = this.entries.get(id);
    if (entry) entry.local += n;
    else this.entries.set(id, { key, seconds, start, shared: 0, local: n, sending: 0 });
  }

  /**
   * Sends the counts made since the last sync and takes the store's totals back. Windows that ended are
   * forgotten. A failed sync keeps the counts to send next time (nothing counted is lost while the
   * process lives).
   */
  sync(now = Date.now()): Promise<void> {
    if (this.syncing) return this.syncing;
    const run = async (): Promise<void> => {
      for (const [id, entry] of this.entries) if (entry.start + entry.seconds * 1000 <= now && entry.local === 0) this.entries.delete(id);
      if (this.entries.size === 0) return;
      const sent = [...this.entries.values()].map((e) => ({ entry: e, delta: e.local }));
      for (const { entry, delta } of sent) {
        entry.local = 0;
        entry.sending += delta;
      }
      try {
        const totals = await this.store.sync(sent.map(({ entry, delta }) => ({ key: entry.key, seconds: entry.seconds, start: entry.start, delta })));
        for (const { entry, delta } of sent) {
          entry.sending -= delta;
          entry.shared = Math.max(entry.shared, totals.get(windowId(entry)) ?? entry.shared + delta);
        }
        this.lastSynced = Date.now();
      } catch (error) {
        this.lastFailed = Date.now();
        // Put the unsent counts back; they go with the next sync.
        for (const { entry, delta } of sent) {
          entry.sending -= delta;
          entry.local += delta;
        }
        this.log(`limit counters could not be synced: ${messageOf(error)}`);
      }
    };
    this.syncing = run().finally(() => (this.syncing = undefined));
    return this.syncing;
  }

  /** Syncs what was counted one last time, then closes the store. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    await this.sync().catch(() => undefined);
    await this.store.close();
  }
}

/** Counts kept in this process alone: for tests, and a gateway told to keep no state. */
export class MemoryCounterStore implements CounterStore {
  private readonly totals = new Map<string, number>();
  private readonly windows = new Map<string, WindowKey>();

  async sync(deltas: Array<WindowKey & { delta: number }>): Promise<Map<string, number>> {
    const now = Date.now();
    for (const [id, w] of this.windows) if (w.start + w.seconds * 1000 <= now) {
      this.windows.delete(id);
      this.totals.delete(id);
    }
    const answer = new Map<string, number>();
    for (const d of deltas) {
      const id = windowId(d);
      const total = (this.totals.get(id) ?? 0) + d.delta;
      this.totals.set(id, total);
      this.windows.set(id, d);
      answer.set(id, total);
    }
    return answer;
  }

  async close(): Promise<void> {}
}
