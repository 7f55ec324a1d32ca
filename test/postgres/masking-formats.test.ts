import { createHash } from "node:crypto";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { defaultPolicyDir } from "../../engine/paths.js";
import { PII_READER, startGatewayUnderTest, type GatewayUnderTest } from "../support/pg-gateway.js";
import { psql } from "../support/run.js";

/**
 * Every masking strategy in every result format, end to end: the default policy's `redact` and
 * `partial`, and a variant of it (a copy of policies/ with data.json edited) that masks users.email
 * with `hash` for a table in any schema (`*`), users.ssn with `null` and users.name with `partial`
 * keeping two characters.
 */

const TEXT = 25;

let standard: GatewayUnderTest;
let variant: GatewayUnderTest;
let variantDir: string;

function variantPolicy(): string {
  const dir = mkdtempSync(join(tmpdir(), "portcullis-masking-formats-"));
  cpSync(defaultPolicyDir, dir, { recursive: true });
  const data = JSON.parse(readFileSync(join(dir, "data.json"), "utf8")) as { settings: { masking: { columns: unknown[] } } };
  data.settings.masking.columns = [
    { column: "*.users.email", strategy: "hash" },
    { column: "public.users.ssn", strategy: "null" },
    { column: "public.users.name", strategy: "partial", keep: 2 },
  ];
  writeFileSync(join(dir, "data.json"), JSON.stringify(data, null, 2));
  return dir;
}

test.before(async () => {
  variantDir = variantPolicy();
  [standard, variant] = await Promise.all([startGatewayUnderTest(), startGatewayUnderTest({ policyDir: variantDir })]);
  await variant.pg.query(
    "CREATE SCHEMA archive; CREATE TABLE archive.users (id int, email text); INSERT INTO archive.users VALUES (7, 'old@example.com'); GRANT USAGE ON SCHEMA archive TO gateway; GRANT SELECT ON archive.users TO gateway;",
  );
});
test.after(async () => {
  await Promise.all([standard?.stop(), variant?.stop()]);
  rmSync(variantDir, { recursive: true, force: true });
});

async function connect(g: GatewayUnderTest): Promise<pg.Client> {
  const c = new pg.Client({ host: "127.0.0.1", port: g.gateway.port, user: "alice", database: "demo", password: await g.token() });
  await c.connect();
  return c;
}

/** A binary-format query whose values node-postgres hands back as the bytes received, read as UTF-8. */
function binary(text: string, values: unknown[]): pg.QueryConfig {
  const raw = { getTypeParser: () => (v: unknown) => (Buffer.isBuffer(v) ? v.toString("utf8") : v) };
  return { text, values, binary: true, types: raw } as pg.QueryConfig;
}

async function withClient<T>(g: GatewayUnderTest, use: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = await connect(g);
  try {
    return await use(c);
  } finally {
    await c.end();
  }
}

test("redact and partial in text results, simple protocol and psql", async () => {
  const r = await withClient(standard, (c) => c.query("SELECT id, email, ssn FROM users ORDER BY id"));
  assert.equal(r.rows, [
    { id: 1, email: "****", ssn: "*******6789" },
    { id: 2, email: "****", ssn: "*******4321" },
    { id: 3, email: null, ssn: null },
  ]);
  const p = await psql(await standard.env(), "SELECT email, ssn FROM users WHERE id = 2");
  assert.is(p.stdout.trim(), "****|*******4321");
});

test("redact and partial in binary results, and the masked columns are described as text", async () => {
  const r = await withClient(standard, (c) => c.query(binary("SELECT id, email, ssn FROM users WHERE id = $1", [2])));
  const row = r.rows[0] as Record<string, string>;
  assert.is(row.email, "****");
  assert.is(row.ssn, "*******4321");
  for (const name of ["email", "ssn"]) assert.is(r.fields.find((f) => f.name === name)!.dataTypeID, TEXT);
});

test("hash, null and partial in text results", async () => {
  const r = await withClient(variant, (c) => c.query("SELECT id, name, email, ssn FROM users ORDER BY id"));
  const [ada, grace, linus] = r.rows as Array<{ id: number; name: string; email: string | null; ssn: string | null }>;
  assert.match(ada!.email!, /^hash:[0-9a-f]{16}$/);
  assert.match(grace!.email!, /^hash:[0-9a-f]{16}$/);
  assert.is.not(ada!.email, grace!.email);
  assert.is(linus!.email, null, "NULL stays NULL under hash");
  assert.equal([ada!.ssn, grace!.ssn, linus!.ssn], [null, null, null]);
  assert.equal([ada!.name, grace!.name, linus!.name], ["*da", "***ce", "***us"]);
  // Keyed: not a plain digest anyone could recompute from a guessed address.
  for (const algorithm of ["md5", "sha1", "sha256"]) {
    assert.not.ok(ada!.email!.includes(createHash(algorithm).update("ada@example.com").digest("hex").slice(0, 16)));
  }
});

test("hash, null and partial in binary results match the text results", async () => {
  const [text, bin] = await withClient(variant, async (c) => [
    await c.query("SELECT name, email, ssn FROM users WHERE id = 1"),
    await c.query(binary("SELECT name, email, ssn FROM users WHERE id = $1", [1])),
  ]);
  assert.equal(bin.rows, text.rows);
  assert.is(bin.fields.find((f) => f.name === "email")!.dataTypeID, TEXT);
});

test("the same value hashes the same in two sessions and two protocols, so joins on masked values line up", async () => {
  const first = await withClient(variant, (c) => c.query("SELECT id, email FROM users WHERE email IS NOT NULL ORDER BY id"));
  // Binary, with the ids as text so the raw bytes read as UTF-8 are still the ids.
  const second = await withClient(variant, (c) => c.query(binary("SELECT o.user_id::text AS user_id, u.email FROM orders o JOIN users u ON u.id = o.user_id WHERE o.id <= $1", [6])));
  const byUser = new Map((first.rows as Array<{ id: number; email: string }>).map((r) => [String(r.id), r.email]));
  assert.is(second.rows.length, 6);
  for (const order of second.rows as Array<{ user_id: string; email: string | null }>) {
    if (order.user_id === "3") assert.is(order.email, null);
    else assert.is(order.email, byUser.get(order.user_id), `order of user ${order.user_id}`);
  }
  const viaPsql = await psql(await variant.env(), "SELECT email FROM users WHERE id = 1");
  assert.is(viaPsql.stdout.trim(), byUser.get("1"));
});

test("the null strategy in psql output, and a reader still sees clear values under the variant", async () => {
  const masked = await psql(await variant.env(), "SELECT id, ssn FROM users WHERE id = 1");
  assert.is(masked.stdout.trim(), "1|");
  const clear = await psql(await variant.env(PII_READER), "SELECT email, ssn FROM users WHERE id = 1");
  assert.is(clear.stdout.trim(), "ada@example.com|123-45-6789");
});

test("a `*` schema masks the same table in every schema, each resolved through the catalog", async () => {
  const r = await withClient(variant, (c) => c.query("SELECT a.email AS old, u.email AS current FROM archive.users a, users u WHERE u.id = 1"));
  const row = r.rows[0] as { old: string; current: string };
  assert.match(row.old, /^hash:[0-9a-f]{16}$/);
  assert.match(row.current, /^hash:[0-9a-f]{16}$/);
  assert.is.not(row.old, row.current);
});

test.run();
