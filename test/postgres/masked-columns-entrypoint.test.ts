import pg from "pg";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { startGatewayUnderTest, type GatewayUnderTest } from "../support/pg-gateway.js";
import { policyDir } from "../support/policy-dir.js";

/**
 * Where the gateway cannot trace a value to its column (a view, a function defined in the database,
 * the server's error messages) it needs the policy's list of columns masked for the caller, from the
 * entrypoint portcullis/masked_columns. A policy that masks on the wire but does not answer that
 * question (or answers nonsense) must not open a way around its own masks: every column then counts
 * as masked there.
 */

// Masks users.email wherever a statement returns it, and says nothing else: no masked_columns rule.
const MASKS_EMAIL = `package portcullis

default decision := {"allow": true, "reasons": []}

decision := {"allow": true, "reasons": ["email is masked"], "mask": [{"column": "public.users.email", "strategy": "redact"}]} if {
	some s in input.action.statements
	some c in s.columns
	c.column in {"email", "*"}
}
`;

const SERVER_OBJECTS = `
  CREATE VIEW contacts AS SELECT id, email FROM users;
  CREATE FUNCTION first_email() RETURNS text LANGUAGE sql STABLE AS 'SELECT email FROM users ORDER BY id LIMIT 1';
  GRANT ALL ON ALL TABLES IN SCHEMA public TO gateway;
`;

async function attempt(g: GatewayUnderTest, sql: string): Promise<{ code?: string; message?: string; text: string }> {
  const client = new pg.Client({ host: "127.0.0.1", port: g.gateway.port, user: "alice", database: "demo", password: await g.token() });
  await client.connect();
  try {
    const result = await client.query(sql);
    return { text: JSON.stringify(result.rows) };
  } catch (error) {
    const e = error as { code?: string; message?: string };
    return { code: e.code, message: e.message, text: String(e.message) };
  } finally {
    await client.end();
  }
}

for (const [name, extra] of [
  ["a policy without portcullis/masked_columns", ""],
  ["a policy whose portcullis/masked_columns is not a list of mask rules", `\nmasked_columns := "everything"\n`],
  ["a policy whose portcullis/masked_columns fails at runtime", `\nmasked_columns := [{"column": sprintf("%d", ["x"]), "strategy": "redact"}]\n`],
] as const) {
  test(`${name}: a view or function over a masked column is denied, never returned in clear`, async () => {
    const dir = policyDir({ "policy.rego": MASKS_EMAIL + extra });
    const g = await startGatewayUnderTest({ policyDir: dir.dir });
    try {
      await g.pg.psql(SERVER_OBJECTS);
      // The policy's own mask still works on the table itself.
      const direct = await attempt(g, "SELECT email FROM users ORDER BY id");
      assert.not.match(direct.text, "ada@example.com");
      for (const sql of ["SELECT * FROM contacts", "SELECT email FROM contacts", "SELECT first_email()"]) {
        const result = await attempt(g, sql);
        assert.not.match(result.text, "ada@example.com", sql);
        assert.is(result.code, "42501", sql);
      }
      // Nothing masked is involved: a plain statement still runs.
      assert.is((await attempt(g, "SELECT count(*) AS n FROM users")).text, JSON.stringify([{ n: "3" }]));
    } finally {
      await g.stop();
      dir.remove();
    }
  });
}

test.run();
