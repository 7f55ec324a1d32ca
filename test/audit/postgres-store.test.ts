import { test } from "uvu";
import * as assert from "uvu/assert";
import pgLib from "pg";
import { AuditLog, verifyChain } from "../../engine/audit/index.js";
import { postgresSource, PostgresAuditStore } from "../../engine/audit/postgres-store.js";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { resolveConfig } from "../../engine/config/load.js";
import { startGateway } from "../../proxy/gateway/gateway.js";
import { startPostgres, type RunningPostgres } from "../support/postgres.js";
import { portcullisIn } from "./fixtures/run-cli.js";
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

const urlOf = (database: string): string => pg.url.replace(/\/[^/]*$/, `/${database}`);

test("two gateways configured with audit.store postgres write one chain that `portcullis audit verify --postgres` checks", async () => {
  const database = await freshDatabase();
  const url = urlOf(database);
  const gatewayOn = (): ReturnType<typeof startGateway> => {
    const dir = mkdtempSync(join(tmpdir(), "portcullis-audit-gw-"));
    const config = resolveConfig({ state_dir: dir, listen: { postgres: "127.0.0.1:0", http: "127.0.0.1:0" }, policy: { watch: false }, audit: { store: { postgres: url } } }, dir);
    return startGateway(config, () => undefined);
  };
  const [a, b] = await Promise.all([gatewayOn(), gatewayOn()]);
  try {
    await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? a : b).audit.append({ type: "session_end", session_id: `g${i}` })));
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
  const cwd = mkdtempSync(join(tmpdir(), "portcullis-audit-cli-"));
  const ok = await portcullisIn(cwd, ["audit", "verify", "--postgres", url]);
  assert.is(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /^audit log OK: 40 records, head seq 40 sha256:[0-9a-f]{64} \(postgresql:\/\//);
  assert.not.ok(ok.stdout.includes(pg.password), "the password is not printed");
  const viaEnv = await portcullisIn(cwd, ["audit", "search", "--session", "g7", "--format", "json"], { PORTCULLIS_AUDIT_DATABASE_URL: url });
  assert.is(viaEnv.code, 0, viaEnv.stderr);
  const found = viaEnv.stdout.trim().split("\n").map((line) => JSON.parse(line) as { event: { session_id: string } });
  assert.equal(found.map((r) => r.event.session_id), ["g7"]);
  const tail = await portcullisIn(cwd, ["audit", "tail", "-n", "2", "--postgres", url, "--format", "json"]);
  assert.is(tail.code, 0, tail.stderr);
  assert.equal(tail.stdout.trim().split("\n").map((line) => (JSON.parse(line) as { seq: number }).seq), [39, 40]);
  const follow = await portcullisIn(cwd, ["audit", "tail", "--follow", "--postgres", url]);
  assert.is(follow.code, 2);
  assert.match(follow.stderr, /--follow reads a log file/);
  await sql(database, `UPDATE portcullis_audit SET event = replace(event, '"g', '"h') WHERE seq = 12`);
  const broken = await portcullisIn(cwd, ["audit", "verify", "--postgres", url]);
  assert.is(broken.code, 1);
  assert.match(broken.stdout, /^audit log BROKEN at seq 12 \(edited\)/);
});

async function refused(code: string, work: () => Promise<unknown>): Promise<void> {
  const outcome = await work().then(() => "appended", (error: { code?: string }) => error.code);
  assert.is(outcome, code);
}

test.after(async () => {
  await pg?.stop();
});

test.run();
