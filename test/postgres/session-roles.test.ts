import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { resolveConfig } from "../../engine/config/load.js";
import type { Identity } from "../../engine/policy/types.js";
import { startGateway, type RunningGateway } from "../../proxy/gateway/gateway.js";
import { DEMO_SCHEMA } from "../support/pg-gateway.js";
import { defaultPolicyWithSettings } from "../support/policy-dir.js";
import { startPostgres, type RunningPostgres } from "../support/postgres.js";
import { start } from "../support/run.js";

// Per-session database roles on a target with ephemeral_roles, against a real PostgreSQL: each
// session logs in as a role of its own, named after the person, in the group role the policy chose,
// expiring with the token, with a password the server only has a SCRAM verifier of; the role is gone
// when the session ends, and one a crashed gateway left is dropped when the gateway starts again.

const INSTANCE = "t3st01";
const ALICE: Identity = { subject: "alice@example.com", issuer: "https://idp.test", groups: ["engineering"], kind: "human", claims: {} };
const DANA: Identity = { subject: "dana@example.com", issuer: "https://idp.test", groups: ["dba"], kind: "human", claims: {} };

let pg: RunningPostgres;
let gateway: RunningGateway;
let stateDir: string;
let policy: { dir: string; remove(): void };

test.before(async () => {
  pg = await startPostgres({ users: [{ name: "gateway", password: "gateway-login" }], initSql: DEMO_SCHEMA });
  await pg.query(`
    ALTER ROLE gateway CREATEROLE;
    CREATE ROLE readers NOLOGIN; GRANT SELECT ON ALL TABLES IN SCHEMA public TO readers;
    CREATE ROLE dbas NOLOGIN; GRANT ALL ON ALL TABLES IN SCHEMA public TO dbas;
    GRANT readers, dbas TO gateway WITH ADMIN OPTION;
    CREATE ROLE pc_${INSTANCE}_left_behind_0a0b0c0d LOGIN IN ROLE readers;
    CREATE ROLE pc_otherx_someone_else_01020304 LOGIN IN ROLE readers;`);
  stateDir = mkdtempSync(join(tmpdir(), "portcullis-roles-"));
  // The instance id a crashed gateway left in its state directory.
  writeFileSync(join(stateDir, "session-role-instance"), `${INSTANCE}\n`);
  policy = defaultPolicyWithSettings({ sessions: { database_roles: { rules: [{ group: "dba", role: "dbas" }], default: "readers" } } });
  const config = resolveConfig(
    {
      state_dir: stateDir,
      listen: { postgres: "127.0.0.1:0", http: "127.0.0.1:0" },
      policy: { watch: false, dir: policy.dir },
      targets: [{ type: "postgres", name: "demo", host: pg.host, port: pg.port, database: pg.database, user: "gateway", password: "gateway-login", tls: "disable", ephemeral_roles: { group_roles: ["readers", "dbas"] } }],
    },
    stateDir,
  );
  gateway = await startGateway(config, () => undefined);
});

test.after(async () => {
  await gateway?.close();
  await pg?.stop();
  policy?.remove();
  rmSync(stateDir, { recursive: true, force: true });
});

async function psqlEnv(who: Identity, ttlSeconds = 600): Promise<{ env: NodeJS.ProcessEnv; expiresAt: number }> {
  const issued = await gateway.identity.tokens.issue(who, { ttlSeconds });
  const env = { ...process.env, PGHOST: "127.0.0.1", PGPORT: String(gateway.postgres.port), PGUSER: who.subject.split("@")[0], PGDATABASE: "demo", PGPASSWORD: issued.token, PGSSLMODE: "disable", PGAPPNAME: "psql" };
  return { env, expiresAt: Math.floor(Date.now() / 1000) + ttlSeconds };
}

interface Activity { usename: string; application_name: string }

async function sessionsOf(prefix: string): Promise<Activity[]> {
  return (await pg.query<Activity>(`SELECT usename, application_name FROM pg_stat_activity WHERE starts_with(usename, $1)`, [prefix])).rows;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test("a role a crashed gateway left is dropped at start-up; another instance's is left alone", async () => {
  const roles = (await pg.query<{ rolname: string }>("SELECT rolname FROM pg_roles WHERE starts_with(rolname, 'pc_')")).rows.map((r) => r.rolname);
  assert.equal(roles, ["pc_otherx_someone_else_01020304"]);
});

test("a session runs as its own role: named after alice, in the default group, expiring with her token, named in pg_stat_activity", async () => {
  const { env, expiresAt } = await psqlEnv(ALICE);
  const session = start("psql", ["-X", "-A", "-t", "-c", "SELECT current_user, count(*) FROM users, pg_sleep(1.5) GROUP BY 1"], env);
  const seen = await until("alice's session in pg_stat_activity", async () => (await sessionsOf(`pc_${INSTANCE}_alice`))[0]);
  assert.match(seen.usename, new RegExp(`^pc_${INSTANCE}_alice_example_com_[0-9a-f]{8}$`));
  assert.is(seen.application_name, "portcullis: alice@example.com (psql)");
  const role = (await pg.query<{ valid: string; password: string; groups: string[]; comment: string }>(
    `SELECT extract(epoch FROM a.rolvaliduntil)::bigint AS valid, a.rolpassword AS password, shobj_description(a.oid, 'pg_authid') AS comment,
            array(SELECT b.rolname::text FROM pg_auth_members m JOIN pg_roles b ON b.oid = m.roleid WHERE m.member = a.oid) AS groups
       FROM pg_authid a WHERE a.rolname = $1`, [seen.usename])).rows[0]!;
  assert.ok(Math.abs(Number(role.valid) - expiresAt) <= 5, `VALID UNTIL ${role.valid}, token expires ${expiresAt}`);
  assert.match(role.password, /^SCRAM-SHA-256\$4096:/);
  assert.equal(role.groups, ["readers"]);
  assert.match(role.comment, "alice@example.com");
  const done = await session.done;
  assert.is(done.code, 0, done.stderr);
  assert.match(done.stdout, new RegExp(`^pc_${INSTANCE}_alice_example_com_[0-9a-f]{8}\\|\\d+$`, "m"));
  // Gone with the session.
  await until("alice's role to be dropped", async () => ((await pg.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [seen.usename])).rowCount === 0 ? true : undefined), 5000);
});

test("the policy's choice of group: dana (dba) joins dbas and may write; alice (readers) may not", async () => {
  const dana = await psqlEnv(DANA);
  const wrote = await start("psql", ["-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", "UPDATE orders SET amount = amount WHERE id = 1"], dana.env).done;
  assert.is(wrote.code, 0, wrote.stderr);
  const alice = await psqlEnv(ALICE);
  const refused = await start("psql", ["-X", "-A", "-t", "-c", "UPDATE orders SET amount = amount WHERE id = 1"], alice.env).done;
  assert.match(refused.stderr, /permission denied for table orders/);
  await until("every session role to be dropped", async () => ((await sessionsOf(`pc_${INSTANCE}_`)).length === 0 && (await pg.query("SELECT 1 FROM pg_roles WHERE starts_with(rolname, $1)", [`pc_${INSTANCE}_`])).rowCount === 0 ? true : undefined), 5000);
});
test.run();
