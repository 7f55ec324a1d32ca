import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { startPostgres, type RunningPostgres } from "../../test/support/postgres.js";
import { run, type RunResult } from "../../test/support/run.js";

/** The role every client logs in as upstream (directly, through PgBouncer, and the gateway's own login). */
export const BENCH_ROLE = "bench";
/** The database pgbench fills, and the gateway's target name for it. */
export const BENCH_DATABASE = "bench";
/** Rows in the `users` table whose `email` and `ssn` columns the default policy masks. */
export const USERS_ROWS = 100_000;

export interface BenchCluster {
  pg: RunningPostgres;
  /** The bench role's password: only the benchmark, PgBouncer's auth file and the gateway's target hold it. */
  password: string;
  pgbench: string;
  scale: number;
  initSeconds: number;
  stop(): Promise<void>;
}

/**
 * A throwaway PostgreSQL server with pgbench's tables at `scale` (written by `pgbench -i` itself, over
 * TCP, as the bench role) and a `users` table shaped like the demo's, so the default policy masks it.
 */
export async function startBenchCluster(scale: number): Promise<BenchCluster> {
  const password = randomBytes(18).toString("base64url");
  const pg = await startPostgres({
    users: [{ name: BENCH_ROLE, password }],
    initSql: `CREATE DATABASE ${BENCH_DATABASE} OWNER ${BENCH_ROLE}`,
    // Enough backends for 16 clients on each of several paths at once, plus the gateway's catalog queries.
    settings: { max_connections: "200", shared_buffers: "256MB" },
  });
  try {
    const pgbench = join(pg.bindir, "pgbench");
    const started = process.hrtime.bigint();
    const init = await runPgbenchInit(pgbench, pg.port, password, scale);
    if (init.code !== 0) throw new Error(`pgbench -i failed (exit ${init.code}):\n${init.stdout}${init.stderr}`);
    const initSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    const asBench = { user: BENCH_ROLE, password, database: BENCH_DATABASE };
    await pg.query(
      `CREATE TABLE users (id int PRIMARY KEY, name text NOT NULL, email text, ssn text, age int);
       INSERT INTO users SELECT g, 'user ' || g, 'user' || g || '@example.com',
         lpad((g % 1000)::text, 3, '0') || '-' || lpad((g % 100)::text, 2, '0') || '-' || lpad((g % 10000)::text, 4, '0'), 18 + g % 60
       FROM generate_series(1, ${USERS_ROWS}) g`,
      [],
      asBench,
    );
    // VACUUM cannot run in the implicit transaction of a multi-statement query.
    await pg.query("VACUUM ANALYZE users", [], asBench);
    return { pg, password, pgbench, scale, initSeconds, stop: () => pg.stop() };
  } catch (error) {
    await pg.stop();
    throw error;
  }
}

function runPgbenchInit(pgbench: string, port: number, password: string, scale: number): Promise<RunResult> {
  const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", PGPASSWORD: password, PGSSLMODE: "disable" };
  return run(pgbench, ["-i", "-s", String(scale), "-q", "-h", "127.0.0.1", "-p", String(port), "-U", BENCH_ROLE, BENCH_DATABASE], env, undefined, 600_000);
}
