import { test } from "uvu";
import * as assert from "uvu/assert";
import pgLib from "pg";
import { AuditLog, verifyChain } from "../../engine/audit/index.js";
import { postgresSource, PostgresAuditStore } from "../../engine/audit/postgres-store.js";
import { startPostgres, type RunningPostgres } from "../support/postgres.js";
import { auditStoreSuite } from "./store-suite.js";

let pg: RunningPostgres;
let n = 0;

/** Each test gets its own database on one real server, so tests cannot see each other's records. */
async function freshDatabase(): Promise<string> {
  const name = `audit_${++n}`;
  await pg.query(`CREATE DATABASE ${name}`);
  return name;
}

const settings = (database: string) => ({ host: pg.host, port: pg.port, user: pg.superuser, password: pg.password, database });
const storeOn = (database: string): Promise<PostgresAuditStore> => PostgresAuditStore.open({ ...settings(database), log: () => undefined });
const sql = (database: string, text: string, params: unknown[] = []) => pg.query(text, params, { database });

auditStoreSuite({
  name: "PostgreSQL store",
  sharedWriters: true,
  // seq is the key: swapping rows leaves them in seq order, each with the other's contents.
  swappedKind: "edited",
  async before() {
    pg = await startPostgres();
  },
  async fresh() {
    const database = await freshDatabase();
    return {
      open: () => storeOn(database),
      source: postgresSource(settings(database)),
      rewrite: async (seq, record) =>
        void (await sql(database, "UPDATE portcullis_audit SET time = $2, prev_hash = $3, hash = $4, event = $5 WHERE seq = $1", [seq, record.time, record.prev_hash, record.hash, JSON.stringify(record.event)])),
      remove: async (seq) => void (await sql(database, "DELETE FROM portcullis_audit WHERE seq = $1", [seq])),
      swap: async (a, b) =>
        void (await sql(database, `BEGIN; UPDATE portcullis_audit SET seq = 999999999 WHERE seq = ${a}; UPDATE portcullis_audit SET seq = ${a} WHERE seq = ${b}; UPDATE portcullis_audit SET seq = ${b} WHERE seq = 999999999; COMMIT`)),
    };
  },
});

test("the table is created once even when instances start together; a missing table is reported, not read as empty", async () => {
  const database = await freshDatabase();
  const missing = await verifyChain(postgresSource(settings(database))).then(
    () => "read",
    (error: { code?: string }) => error.code,
  );
  assert.is(missing, "AUDIT_LOG_MISSING");
  const stores = await Promise.all(Array.from({ length: 4 }, () => storeOn(database)));
  await Promise.all(stores.map((s) => s.close()));
  const tables = await sql(database, "SELECT count(*) AS n FROM pg_tables WHERE tablename = 'portcullis_audit'");
  assert.is(Number((tables.rows[0] as { n: string }).n), 1);
});

test("a connection lost mid-append refuses that append and every later one (fail closed) until reopened", async () => {
  const database = await freshDatabase();
  const log = await AuditLog.over(await storeOn(database));
  await log.append({ type: "session_end", session_id: "before" });
  // Another writer holds the append lock, so the next append waits inside its transaction.
  const holder = new pgLib.Client(settings(database));
  await holder.connect();
  try {
    await holder.query("BEGIN");
    await holder.query("SELECT pg_advisory_xact_lock(hashtext('portcullis_audit'))");
    const lost = log.append({ type: "session_end", session_id: "lost" });
    let waiting: string | undefined;
    for (let i = 0; i < 100 && waiting === undefined; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      const rows = await holder.query<{ pid: string }>("SELECT pid::text FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()", [database]);
      waiting = rows.rows[0]?.pid;
    }
    assert.ok(waiting, "the append waited for the lock");
    await holder.query("SELECT pg_terminate_backend($1::int)", [waiting]);
    await refused("AUDIT_LOG_FAILED", () => lost);
    await refused("AUDIT_LOG_FAILED", () => log.append({ type: "session_end", session_id: "after" }));
    await holder.query("COMMIT");
  } finally {
    await holder.end();
    await log.close();
  }
  const reopened = await AuditLog.over(await storeOn(database));
  const next = await reopened.append({ type: "session_end", session_id: "reopened" });
  await reopened.close();
  assert.is(next.seq, 2, "the lost append was never committed");
  assert.equal(await verifyChain(postgresSource(settings(database))), { ok: true, count: 2, head: { seq: 2, hash: next.hash } });
});

async function refused(code: string, work: () => Promise<unknown>): Promise<void> {
  const outcome = await work().then(() => "appended", (error: { code?: string }) => error.code);
  assert.is(outcome, code);
}

test.after(async () => {
  await pg?.stop();
});

test.run();
