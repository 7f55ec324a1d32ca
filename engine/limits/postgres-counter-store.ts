import type pg from "pg";
import { openSharedStore } from "../storage/postgres-pool.js";
import { windowId, type CounterStore, type WindowKey } from "./window-counters.js";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS portcullis_limit_counters (
  key          text   NOT NULL,
  seconds      int    NOT NULL,
  window_start bigint NOT NULL,
  count        bigint NOT NULL,
  PRIMARY KEY (key, seconds, window_start)
);
`;

/**
 * One statement per sync: this instance's counts are added (an upsert, so instances adding to the
 * same window at once both count) and the totals of the windows it watches come back. Rows whose
 * delta is zero are only read; the upsert's rows and the plain reads are disjoint, so the statement's
 * single snapshot is never read where it was just written.
 */
const SYNC = `
WITH d AS (
  SELECT * FROM unnest($1::text[], $2::int[], $3::bigint[], $4::bigint[]) AS d(key, seconds, window_start, delta)
), added AS (
  INSERT INTO portcullis_limit_counters AS c (key, seconds, window_start, count)
  SELECT key, seconds, window_start, delta FROM d WHERE delta > 0
  ON CONFLICT (key, seconds, window_start) DO UPDATE SET count = c.count + EXCLUDED.count
  RETURNING c.key, c.seconds, c.window_start, c.count
)
SELECT key, seconds, window_start::text AS window_start, count::text AS count FROM added
UNION ALL
SELECT c.key, c.seconds, c.window_start::text, c.count::text
  FROM portcullis_limit_counters c JOIN d USING (key, seconds, window_start) WHERE d.delta = 0
`;

/** Once a minute is plenty: ended windows are never read, only kept from piling up. */
const PRUNE_EVERY_MS = 60_000;

/** Counts shared by every gateway instance using the database (table portcullis_limit_counters). */
export class PostgresCounterStore implements CounterStore {
  private readonly pool: pg.Pool;
  private prunedAt = 0;

  private constructor(pool: pg.Pool) {
    this.pool = pool;
  }

  static async open(options: pg.PoolConfig & { log?: (line: string) => void }): Promise<PostgresCounterStore> {
    const pool = await openSharedStore("limit counters", options, SCHEMA, "portcullis_limit_counters_schema");
    return new PostgresCounterStore(pool);
  }

  async sync(deltas: Array<WindowKey & { delta: number }>): Promise<Map<string, number>> {
    const now = Date.now();
    if (now - this.prunedAt >= PRUNE_EVERY_MS) {
      this.prunedAt = now;
      await this.pool.query("DELETE FROM portcullis_limit_counters WHERE window_start + seconds * 1000::bigint <= $1", [now]);
    }
    const { rows } = await this.pool.query<{ key: string; seconds: number; window_start: string; count: string }>(SYNC, [
      deltas.map((d) => d.key),
      deltas.map((d) => d.seconds),
      deltas.map((d) => d.start),
      deltas.map((d) => d.delta),
    ]);
    return new Map(rows.map((r) => [windowId({ key: r.key, seconds: r.seconds, start: Number(r.window_start) }), Number(r.count)]));
  }

  async close(): Promise<void> {
    await this.pool.end().catch(() => undefined);
  }
}
