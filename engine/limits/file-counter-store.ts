import { existsSync, readFileSync } from "node:fs";
import { open, rename } from "node:fs/promises";
import { dirname } from "node:path";
import { syncDirectory, writeAll } from "../storage/durable-file.js";
import { windowId, type CounterStore, type WindowKey } from "./window-counters.js";

interface Saved extends WindowKey {
  count: number;
}

/**
 * Counts for one gateway instance, in a file of its state directory: rewritten whole (a new file
 * synced, then renamed over the old one) when a sync brought new counts, so a crash leaves either the
 * last counts or the ones before, never half a file. Only windows still running are kept, so the file
 * stays as small as the number of callers with a live budget.
 */
export class FileCounterStore implements CounterStore {
  private readonly path: string;
  private readonly totals = new Map<string, Saved>();

  private constructor(path: string) {
    this.path = path;
  }

  static open(path: string): FileCounterStore {
    const store = new FileCounterStore(path);
    if (existsSync(path)) {
      let saved: unknown;
      try {
        saved = JSON.parse(readFileSync(path, "utf8"));
      } catch (error) {
        throw new Error(`the limit counters in ${path} cannot be read (${String(error)}); move the file away to start counting afresh`, { cause: error });
      }
      if (!Array.isArray(saved)) throw new Error(`the limit counters in ${path} are not a list; move the file away to start counting afresh`);
      const now = Date.now();
      for (const entry of saved as Saved[]) {
        if (typeof entry?.key !== "string" || !Number.isInteger(entry.seconds) || !Number.isInteger(entry.start) || !Number.isInteger(entry.count)) continue;
        if (entry.start + entry.seconds * 1000 > now) store.totals.set(windowId(entry), entry);
      }
    }
    return store;
  }

  async sync(deltas: Array<WindowKey & { delta: number }>): Promise<Map<string, number>> {
    const now = Date.now();
    let changed = false;
    for (const [id, entry] of this.totals) {
      if (entry.start + entry.seconds * 1000 <= now) {
        this.totals.delete(id);
        changed = true;
      }
    }
    const answer = new Map<string, number>();
    for (const d of deltas) {
      const id = windowId(d);
      const entry = this.totals.get(id) ?? { key: d.key, seconds: d.seconds, start: d.start, count: 0 };
      if (d.delta > 0) {
        entry.count += d.delta;
        this.totals.set(id, entry);
        changed = true;
      }
      answer.set(id, entry.count);
    }
    if (changed) await this.save();
    return answer;
  }

  private async save(): Promise<void> {
    const temporary = `${this.path}.new`;
    const handle = await open(temporary, "w", 0o600);
    try {
      await writeAll(handle, Buffer.from(JSON.stringify([...this.totals.values()])));
      await handle.datasync();
    } finally {
      await handle.close();
    }
    await rename(temporary, this.path);
    await syncDirectory(dirname(this.path));
  }

  async close(): Promise<void> {}
}
