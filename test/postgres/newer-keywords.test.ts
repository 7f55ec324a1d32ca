import pg from "pg";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { startGatewayUnderTest, type GatewayUnderTest } from "../support/pg-gateway.js";

/**
 * A word the analyzer's grammar reads as a keyword may be a plain identifier to the server behind the
 * gateway: PostgreSQL 16 made `system_user` a keyword, PostgreSQL 15 and older read it as a column
 * name. Used as an alias for a masked column, it must still be masked or denied, never returned clear.
 */

const SECRETS = ["ada@example.com", "grace@example.com", "123-45-6789", "987-65-4321", "ada", "grace", "45-67", "65-43"];

const CASES = [
  "SELECT system_user FROM (SELECT email AS system_user FROM users) s",
  "SELECT s.id, system_user FROM (SELECT id, ssn AS system_user FROM users) s ORDER BY 1",
  "SELECT upper(system_user) FROM (SELECT email AS system_user FROM users) s",
  "SELECT replace(system_user, '@', '#') FROM (SELECT email AS system_user FROM users) s",
  "SELECT (SELECT system_user) FROM (SELECT ssn AS system_user FROM users) s",
  "SELECT json_build_object('k', system_user) FROM (SELECT email AS system_user FROM users) s",
  "WITH c AS (SELECT email AS system_user FROM users) SELECT system_user || '' FROM c",
  "SELECT x FROM (SELECT email AS system_user FROM users) s, LATERAL (SELECT reverse(system_user) AS x) l",
];

let g: GatewayUnderTest;
let client: pg.Client;

test.before(async () => {
  g = await startGatewayUnderTest();
  client = new pg.Client({ host: "127.0.0.1", port: g.gateway.port, user: "alice", database: "demo", password: await g.token() });
  await client.connect();
});
test.after(async () => {
  await client?.end();
  await g?.stop();
});

test("the server reads system_user as a column here (the premise of the cases)", async () => {
  const r = await g.pg.query<{ system_user: string }>("SELECT system_user FROM (SELECT email AS system_user FROM users ORDER BY id) s");
  assert.is(r.rows[0]?.system_user, "ada@example.com");
});

for (const sql of CASES) {
  test(`masked or denied, never clear: ${sql}`, async () => {
    let seen = "";
    try {
      const r = await client.query(sql);
      seen = JSON.stringify(r.rows);
    } catch (error) {
      const e = error as { code?: string; message: string };
      assert.is(e.code, "42501", `unexpected error: ${e.message}`);
      seen = e.message;
    }
    for (const secret of SECRETS) {
      assert.not.ok(seen.toLowerCase().includes(secret) || seen.toLowerCase().includes([...secret].reverse().join("")), `${secret} came back: ${seen}`);
    }
  });
}

test.run();
