import pg from "pg";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { startGatewayUnderTest, type GatewayUnderTest } from "../support/pg-gateway.js";
import { policyDir } from "../support/policy-dir.js";
import { psql } from "../support/run.js";

/**
 * The safety net under the analysis: whatever a decision names, a result column that the server itself
 * reports (in RowDescription) as coming straight from a column masked for the caller is masked. The
 * policy here is deliberately blind: its decisions allow everything and mask nothing, and only its
 * portcullis/masked_columns answer says users.email and users.ssn are masked for alice. Every way of
 * returning those columns as they are (simple and extended protocol, text and binary, cursors, SQL
 * PREPARE/EXECUTE) must still arrive masked. The net has limits: the server reports no origin for a
 * computed value, a set operation (UNION) or COPY, so those rest on the analysis alone.
 */

const BLIND = `package portcullis

decision := {"allow": true, "reasons": ["allowed without looking"]}

masked_columns := [
	{"column": "public.users.email", "strategy": "redact"},
	{"column": "public.users.ssn", "strategy": "partial"},
]
`;

const CLEAR = ["ada@example.com", "grace@example.com", "123-45-6789", "987-65-4321"];

let g: GatewayUnderTest;
let dir: { dir: string; remove(): void } | undefined;

test.before(async () => {
  dir = policyDir({ "policy.rego": BLIND });
  g = await startGatewayUnderTest({ policyDir: dir.dir });
});

test.after(async () => {
  await g?.stop();
  dir?.remove();
});

async function client(): Promise<pg.Client> {
  const c = new pg.Client({ host: "127.0.0.1", port: g.gateway.port, user: "alice", database: "demo", password: await g.token() });
  await c.connect();
  return c;
}

function assertNoClear(what: string, text: string): void {
  for (const value of CLEAR) assert.not.ok(text.includes(value), `${what} returned ${value} in clear: ${text}`);
}

test("simple-protocol results whose columns the server traces to a masked column are masked", async () => {
  const c = await client();
  try {
    for (const sql of [
      "SELECT email, ssn FROM users ORDER BY id",
      "SELECT u.email AS contact, u.ssn FROM users u ORDER BY u.id",
      "SELECT * FROM users ORDER BY id",
      "SELECT x.email FROM (SELECT email FROM users) x",
      "WITH w AS (SELECT * FROM users) SELECT ssn, email FROM w",
    ]) {
      const result = await c.query(sql);
      assert.ok(result.rows.length > 0, sql);
      assertNoClear(sql, JSON.stringify(result.rows));
    }
    const r = await c.query("SELECT id, email, ssn FROM users WHERE id = 1");
    assert.equal(r.rows[0], { id: 1, email: "****", ssn: "*******6789" }, "the rule's own strategy is applied");
  } finally {
    await c.end();
  }
});

test("extended protocol, binary results, cursors and SQL PREPARE/EXECUTE are masked the same way", async () => {
  const c = await client();
  try {
    const bound = await c.query({ text: "SELECT email, ssn FROM users WHERE id = $1", values: [2] });
    assertNoClear("a bound statement", JSON.stringify(bound.rows));
    // node-postgres's `binary` option asks for every result column in binary format; values arrive raw.
    const binary = await c.query({ text: "SELECT email FROM users WHERE id > $1", values: [0], binary: true, types: { getTypeParser: () => (v: unknown) => (Buffer.isBuffer(v) ? v.toString("utf8") : v) } } as pg.QueryConfig);
    assert.ok(binary.rows.length > 0);
    assertNoClear("binary results", JSON.stringify(binary.rows));
    const named = { name: "emails", text: "SELECT email FROM users ORDER BY id" };
    for (let i = 0; i < 3; i++) assertNoClear("a named statement run again", JSON.stringify((await c.query(named)).rows));
  } finally {
    await c.end();
  }
  const scripted = await psql(
    await g.env(),
    "BEGIN; DECLARE c CURSOR FOR SELECT email, ssn FROM users ORDER BY id; FETCH 2 FROM c; FETCH ALL FROM c; COMMIT; PREPARE p AS SELECT ssn FROM users; EXECUTE p; EXECUTE p",
  );
  assert.is(scripted.code, 0, scripted.stderr);
  assert.match(scripted.stdout, "*******6789");
  assertNoClear("cursors and PREPARE/EXECUTE", scripted.stdout);
});

test("columns that are not masked, and computed values, are returned as they are", async () => {
  const c = await client();
  try {
    const r = await c.query("SELECT id, name, age FROM users WHERE id = 1");
    assert.equal(r.rows[0], { id: 1, name: "Ada", age: 36 });
    const orders = await c.query("SELECT note FROM orders WHERE id = 3");
    assert.equal(orders.rows[0], { note: "order 3" });
  } finally {
    await c.end();
  }
});

test.run();
