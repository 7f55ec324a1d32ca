import pg from "pg";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { startGatewayUnderTest, type GatewayUnderTest } from "../support/pg-gateway.js";

/**
 * An unqualified column that the inner query's tables lack is resolved by PostgreSQL at an enclosing
 * level: `SELECT (SELECT email FROM orders) FROM users` reads users.email. Whatever the construct that
 * carries it out (a scalar subquery, LATERAL, a CTE, ARRAY(), CASE, JSON, COPY, a cursor, a prepared
 * statement, RETURNING), a masked column must never reach alice in clear: masked, or denied.
 */

const SECRETS = ["ada@example.com", "grace@example.com", "123-45-6789", "987-65-4321", "ADA@EXAMPLE.COM", "moc.elpmaxe@ada"];

const ATTEMPTS: Array<string | string[]> = [
  "SELECT (SELECT email FROM orders LIMIT 1) FROM users",
  "SELECT (SELECT upper(email) FROM orders LIMIT 1) AS e FROM users",
  "SELECT x.e FROM users, LATERAL (SELECT email AS e FROM orders LIMIT 1) x",
  "SELECT x.e FROM users, LATERAL (SELECT reverse(email) AS e FROM orders LIMIT 1) x",
  "WITH c AS (SELECT 1 AS k) SELECT (SELECT email FROM c) FROM users",
  "SELECT (WITH c AS (SELECT ssn AS s FROM orders LIMIT 1) SELECT s FROM c) FROM users",
  "SELECT ARRAY(SELECT email FROM orders) FROM users",
  "SELECT CASE WHEN true THEN (SELECT email FROM orders LIMIT 1) END FROM users",
  "SELECT json_build_object('e', (SELECT email FROM orders LIMIT 1)) FROM users",
  "SELECT (SELECT (SELECT ssn FROM orders LIMIT 1) FROM orders LIMIT 1) FROM users",
  "SELECT id FROM users WHERE (SELECT email FROM orders LIMIT 1) IS NOT NULL AND (SELECT pg_notify('x', email) FROM orders LIMIT 1) IS NULL",
  "UPDATE users SET age = age WHERE id = 1 RETURNING (SELECT email FROM orders LIMIT 1)",
  ["BEGIN", "DECLARE cur CURSOR FOR SELECT (SELECT email FROM orders LIMIT 1) FROM users", "FETCH ALL FROM cur", "ROLLBACK"],
  ["PREPARE outer_ref AS SELECT (SELECT ssn FROM orders LIMIT 1) FROM users", "EXECUTE outer_ref"],
];

let g: GatewayUnderTest;
let client: pg.Client;

test.before(async () => {
  g = await startGatewayUnderTest();
  client = new pg.Client({ host: "127.0.0.1", port: g.gateway.port, user: "alice", database: "demo", password: await g.token() });
  client.on("error", () => undefined);
  await client.connect();
  await client.query("LISTEN x");
});
test.after(async () => {
  await client?.end();
  await g?.stop();
});

for (const attempt of ATTEMPTS) {
  const steps = Array.isArray(attempt) ? attempt : [attempt];
  test(`no clear value: ${steps.join("; ")}`, async () => {
    const received: string[] = [];
    const onNotice = (n: { payload?: string }): void => void received.push(JSON.stringify(n));
    client.on("notification", onNotice);
    for (const sql of steps) {
      try {
        const r = await client.query(sql);
        received.push(JSON.stringify(r.rows));
      } catch (error) {
        const e = error as { code?: string; message: string };
        received.push(e.message);
        assert.ok(e.code === "42501" || e.code === "25P02", `${sql}: ${e.code} ${e.message}`);
      }
    }
    await new Promise((r) => setTimeout(r, 50));
    client.off("notification", onNotice);
    await client.query("ROLLBACK").catch(() => undefined);
    const all = received.join("\n");
    for (const secret of SECRETS) assert.not.ok(all.includes(secret), `${secret} reached the client: ${all}`);
  });
}

test.run();
