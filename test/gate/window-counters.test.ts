import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileCounterStore } from "../../engine/limits/file-counter-store.js";
import { PostgresCounterStore } from "../../engine/limits/postgres-counter-store.js";
import { MemoryCounterStore, WindowCounters, type CounterStore } from "../../engine/limits/window-counters.js";
import { startPostgres, type RunningPostgres } from "../support/postgres.js";
import { clearOfWindowEnd } from "../support/windows.js";

/**
 * The counts behind the policy's window limits: kept across a restart in the state directory, shared
 * by instances through a real PostgreSQL server, and refused (never guessed) when they cannot be read.
 */
let pg: RunningPostgres;
let dir: string;
const HOUR = 3600;

test.before(async () => {
  pg = await startPostgres();
  dir = mkdtempSync(join(tmpdir(), "portcullis-counters-"));
  await clearOfWindowEnd(HOUR, 15_000);
});
test.after(async () => {
  await pg.stop();
  rmSync(dir, { recursive: true, force: true });
});

test("one instance: counts synced to the state directory survive a restart", async () => {
  const path = join(dir, "limit-counters.json");
  const before = new WindowCounters(FileCounterStore.open(path), { syncMs: 60_000 });
  before.add("alice", HOUR, 40);
  await before.sync();
  before.add("alice", HOUR, 2);
  // What was counted since the last sync goes out on close; a crash would lose only that.
  await before.close();

  const after = new WindowCounters(FileCounterStore.open(path), { syncMs: 60_000 });
  assert.is(after.used("alice", HOUR).used, 0, "not known before it is read");
  await after.ready([{ key: "alice", seconds: HOUR }]);
  assert.is(after.used("alice", HOUR).used, 42, "a restart keeps the counts");
  assert.is(after.used("alice", 60).used, 0, "another window length counts apart");
  await after.close();
});

test("instances sharing PostgreSQL see each other's counts within a sync", async () => {
  const a = new WindowCounters(await PostgresCounterStore.open({ connectionString: pg.url }), { syncMs: 60_000 });
  const b = new WindowCounters(await PostgresCounterStore.open({ connectionString: pg.url }), { syncMs: 60_000 });
  try {
    a.add("agent", HOUR, 7);
    await a.sync();
    await b.ready([{ key: "agent", seconds: HOUR }]);
    assert.is(b.used("agent", HOUR).used, 7, "a window first seen on b starts from what a counted");
    // Both add at once: the upsert adds, neither overwrites the other.
    a.add("agent", HOUR, 5);
    b.add("agent", HOUR, 3);
    await Promise.all([a.sync(), b.sync()]);
    await Promise.all([a.sync(), b.sync()]);
    assert.is(a.used("agent", HOUR).used, 15);
    assert.is(b.used("agent", HOUR).used, 15);
    const stored = await pg.query<{ count: string }>("SELECT count::text FROM portcullis_limit_counters WHERE key = 'agent'");
    assert.equal(stored.rows.map((r) => r.count), ["15"]);
  } finally {
    await a.close();
    await b.close();
  }
});

test("counts that cannot be read are refused, not taken as zero", async () => {
  const other = await startPostgres();
  const counters = new WindowCounters(await PostgresCounterStore.open({ connectionString: other.url, connectionTimeoutMillis: 1000, log: () => undefined }), { syncMs: 60_000 });
  try {
    await counters.ready([{ key: "known", seconds: HOUR }]);
    await other.stop();
    const error = await counters.ready([{ key: "new-caller", seconds: HOUR }]).then(() => undefined, (e: unknown) => e as Error);
    assert.ok(error, "a window whose count cannot be read is not granted");
    assert.match(error!.message, /could not be read/);
    // A window already known stays usable through a brief outage.
    await counters.ready([{ key: "known", seconds: HOUR }]);
  } finally {
    await counters.close();
    await other.stop();
  }
});

test("counts being synced still count while the store has not answered (a stream cannot overrun its budget meanwhile)", async () => {
  await clearOfWindowEnd(60);
  const memory = new MemoryCounterStore();
  let release: () => void = () => undefined;
  let holding = true;
  const slow: CounterStore = {
    sync: async (deltas) => {
      if (holding) await new Promise<void>((resolve) => (release = resolve));
      return memory.sync(deltas);
    },
    close: () => memory.close(),
  };
  const counters = new WindowCounters(slow, { syncMs: 3_600_000 });
  counters.add("alice", 60, 700);
  const syncing = counters.sync();
  counters.add("alice", 60, 50);
  assert.is(counters.used("alice", 60).used, 750, "while the sync is under way");
  release();
  await syncing;
  assert.is(counters.used("alice", 60).used, 750, "after the store answered");
  const again = counters.sync();
  release();
  await again;
  assert.is(counters.used("alice", 60).used, 750, "after the rest was synced too");
  holding = false;
  await counters.close();
});

test.run();
