import pg from "pg";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { startGatewayUnderTest, type GatewayUnderTest } from "../support/pg-gateway.js";

/**
 * Every session reaches the target as one role, so the server itself would let any of them end another
 * or read its query text. Through the gateway only admins may.
 */

let g: GatewayUnderTest;

test.before(async () => {
  g = await startGatewayUnderTest();
});
test.after(async () => {
  await g?.stop();
});

test("alice can neither end another session nor read other sessions' statements", async () => {
  const victim = new pg.Client({ host: "127.0.0.1", port: g.gateway.port, user: "alice", database: "demo", password: await g.token() });
  await victim.connect();
  const pid = (await victim.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0]!.pid;
  const attacker = new pg.Client({ host: "127.0.0.1", port: g.gateway.port, user: "alice", database: "demo", password: await g.token() });
  await attacker.connect();
  for (const sql of [
    `SELECT pg_terminate_backend(${pid})`,
    `SELECT pg_catalog.pg_cancel_backend(${pid})`,
    "SELECT query FROM pg_stat_activity",
    "SELECT query FROM pg_catalog.pg_stat_activity WHERE pid <> pg_backend_pid()",
    "SELECT * FROM pg_stat_get_activity(NULL)",
  ]) {
    const code = await attacker.query(sql).then(
      () => "ok",
      (error: { code?: string }) => error.code,
    );
    assert.is(code, "42501", sql);
  }
  const alive = await victim.query("SELECT 1 AS one");
  assert.equal(alive.rows, [{ one: 1 }]);
  await attacker.end();
  await victim.end();
});

test.run();
