import { test } from "uvu";
import * as assert from "uvu/assert";
import { CatalogIndex, normalizeSql, type SqlCatalog, type SqlStatement } from "../../../engine/actions/sql/index.js";
import { columns, one } from "./support.js";

// A function that is not immutable or stable gets the value itself and may send it anywhere (a
// notification, a large object, a sequence, a setting): whatever clause or subquery the call sits in,
// what it is given is a value that leaves (usage "derived"), never a filter.

const POSITIONS = [
  "SELECT id FROM users WHERE (SELECT pg_notify('x', email)) IS NULL",
  "SELECT id FROM users WHERE pg_notify('x', email) IS NULL",
  "SELECT id FROM users ORDER BY (SELECT pg_notify('x', email)::text)",
  "SELECT count(*) FROM users GROUP BY (SELECT pg_notify('x', email)::text)",
  "SELECT count(*) FROM users GROUP BY id HAVING (SELECT pg_notify('x', min(email))) IS NULL",
  "SELECT o.id FROM orders o JOIN users u ON (SELECT pg_notify('x', u.email)) IS NULL",
  "SELECT id FROM users u WHERE 'a' IN (SELECT pg_notify('x', u.email)::text)",
  "SELECT id FROM users u WHERE '' = ANY (SELECT pg_notify('x', u.email)::text)",
  "SELECT id FROM users u WHERE EXISTS (SELECT pg_notify('x', u.email))",
  "SELECT id, row_number() OVER (ORDER BY (SELECT pg_notify('x', email)::text)) FROM users",
  "SELECT id, row_number() OVER w FROM users WINDOW w AS (PARTITION BY (SELECT pg_notify('x', email)::text))",
  "SELECT count(*) FILTER (WHERE (SELECT pg_notify('x', email)) IS NULL) FROM users",
  "SELECT string_agg(id::text, ',' ORDER BY (SELECT pg_notify('x', email)::text)) FROM users",
  "WITH n AS (SELECT pg_notify('x', email) AS v FROM users) SELECT 1 WHERE EXISTS (SELECT 1 FROM n)",
  "SELECT u.id FROM users u, LATERAL pg_notify('x', u.email) n",
  "UPDATE users SET age = age WHERE id > 0 AND (SELECT pg_notify('x', email)) IS NULL",
  "DELETE FROM users WHERE id = 1 AND (SELECT pg_notify('x', email)) IS NULL",
  "UPDATE users SET age = 1 WHERE id = 1 RETURNING (SELECT pg_notify('x', email))",
  "MERGE INTO users t USING users s ON t.id = s.id AND (SELECT pg_notify('x', s.email)) IS NULL WHEN MATCHED THEN DO NOTHING",
  "MERGE INTO users t USING users s ON t.id = s.id WHEN MATCHED AND (SELECT pg_notify('x', s.email)) IS NULL THEN DELETE",
  "SELECT id FROM users WHERE CASE WHEN id > 0 THEN (SELECT pg_notify('x', email)) IS NULL END",
  "SELECT id FROM users WHERE (SELECT pg_catalog.pg_notify('x', upper(email))) IS NULL",
  "SELECT id FROM users WHERE (SELECT lo_from_bytea(0, convert_to(email, 'UTF8'))) > 0",
  "SELECT id FROM users WHERE (SELECT set_config('a.b', email, false)) IS NOT NULL",
  "SELECT id FROM users WHERE (SELECT setval('s', length(email))) > 0",
  "SELECT id FROM users WHERE (SELECT my_function(email)) IS NULL",
  // A quoted name is not the built-in of the same letters: it may be any function.
  "SELECT id FROM users WHERE (SELECT \"LOWER\"(email)) = 'x'",
  "SELECT id FROM users WHERE (SELECT demo.pg_catalog.pg_notify('x', email)) IS NULL",
  "EXPLAIN ANALYZE SELECT id FROM users WHERE (SELECT pg_notify('x', email)) IS NULL",
  "SELECT id FROM users LIMIT (SELECT count(pg_notify('x', email)) FROM users)",
  "SELECT DISTINCT ON ((SELECT pg_notify('x', email)::text)) id FROM users",
  "SELECT id FROM users u WHERE EXISTS (SELECT pg_notify('x', u.email) UNION SELECT NULL)",
  "SELECT id FROM users u WHERE EXISTS (SELECT 1 FROM pg_notify('x', u.email) n)",
  "SELECT id FROM users u WHERE EXISTS (VALUES (pg_notify('x', u.email)))",
  "INSERT INTO scratch SELECT 1 FROM users WHERE (SELECT pg_notify('x', email)) IS NULL",
  "INSERT INTO scratch VALUES (1) ON CONFLICT (id) DO UPDATE SET note = 'y' WHERE (SELECT pg_notify('x', (SELECT email FROM users LIMIT 1))) IS NULL",
  "DECLARE c CURSOR FOR SELECT id FROM users WHERE (SELECT pg_notify('x', email)) IS NULL",
  "PREPARE p AS SELECT id FROM users WHERE (SELECT pg_notify('x', email)) IS NULL",
  "COPY (SELECT id FROM users WHERE (SELECT pg_notify('x', email)) IS NULL) TO STDOUT",
  "CREATE TEMP TABLE t AS SELECT id FROM users WHERE (SELECT pg_notify('x', email)) IS NULL",
  "SELECT id FROM users WHERE pg_notify(payload => email, channel => 'x') IS NULL",
  "SELECT id FROM users u WHERE (SELECT pg_notify('x', u::text)) IS NULL",
];

test("a masked value given to a volatile function is derived in every position", () => {
  for (const sql of POSITIONS) {
    const uses = columns(one(sql));
    assert.ok(uses.includes("users.email derived") || uses.includes("users.* derived"), `${sql}: ${uses.join(", ")}`);
  }
});

test("a non-volatile built-in in a filter subquery still only filters", () => {
  const s = one("SELECT id FROM users WHERE (SELECT lower(email)) = 'x'");
  assert.equal(columns(s), ["users.email filter", "users.id output"]);
  assert.is(s.side_effects, undefined);
});

test("an operator or a type that is not built in runs code the text does not name: its operands leave", () => {
  for (const sql of [
    "SELECT id FROM users WHERE ('x' ### email) IS NULL",
    "SELECT id FROM users WHERE email OPERATOR(public.=) 'x'",
    "SELECT id FROM users WHERE email::leak IS NOT NULL",
    "SELECT id FROM users WHERE CAST(email AS public.text) IS NOT NULL",
    "SELECT id FROM users ORDER BY email::leak",
    // The session's temporary schema is searched for type names first: `text` may be a temporary domain.
    "SELECT id FROM users WHERE email::text = 'x'",
    "SELECT id FROM users WHERE email::text[] = '{}'",
    "SELECT id FROM users WHERE CAST(email AS date) IS NULL",
  ]) {
    assert.ok(columns(one(sql)).includes("users.email derived"), `${sql}: ${columns(one(sql)).join(", ")}`);
  }
  const builtins = [
    "email = 'x'", "email OPERATOR(pg_catalog.=) 'x'", "email LIKE 'a%'", "email NOT ILIKE 'a%'", "email BETWEEN 'a' AND 'b'",
    "email NOT BETWEEN SYMMETRIC 'a' AND 'b'", "email::varchar(3) = 'a'", "email::pg_catalog.text = 'a'", "age::bigint > 1 AND email::char(2) = 'ab'",
    "email::pg_catalog.bpchar = 'a'", "age::double precision > 0 AND email::timestamp with time zone < now() AND email::pg_catalog.json IS NULL",
    "email::interval > '1 day' AND email::numeric(3, 1) > 0 AND email::boolean AND email::bit varying = '1'",
    "email IS DISTINCT FROM 'x' AND email ~* 'a' AND email !~ 'b' AND email || 'x' = 'y'",
  ];
  for (const where of builtins) {
    const uses = columns(one(`SELECT id FROM users WHERE ${where}`));
    assert.ok(uses.includes("users.email filter") && !uses.includes("users.email derived"), `${where}: ${uses.join(", ")}`);
  }
});

test("side effects are recorded by kind, qualified or not, in any statement", () => {
  const kinds = (sql: string): string[] => (one(sql).side_effects ?? []).map((e) => `${e.function}:${e.kind}`);
  assert.equal(kinds("SELECT pg_notify('x', 'y')"), ["pg_notify:notify"]);
  assert.equal(kinds("SELECT pg_catalog.lo_from_bytea(0, 'x'), lo_put(1, 0, 'y'), lo_unlink(2)"), ["lo_from_bytea:large_object", "lo_put:large_object", "lo_unlink:large_object"]);
  assert.equal(kinds("INSERT INTO t VALUES (nextval('s'), setval('s', 5))"), ["nextval:sequence", "setval:sequence"]);
  assert.equal(kinds("SELECT id FROM users WHERE set_config('a.b', 'c', false) IS NOT NULL"), ["set_config:setting"]);
  assert.equal(kinds("SELECT pg_advisory_lock(1)"), ["pg_advisory_lock:lock"]);
  assert.equal(kinds("SELECT demo.pg_catalog.pg_notify('x', 'y')"), ["pg_notify:notify"]);
  assert.equal(kinds("WITH x AS (SELECT pg_notify('a', 'b')) SELECT 1 FROM x"), ["pg_notify:notify"]);
  // A function of the same name in another schema is not the built-in.
  assert.equal(kinds("SELECT app.pg_notify('x', 'y')"), []);
  assert.is(one("SELECT lower('x')").side_effects, undefined);
});

function catalog(functions: SqlCatalog["functions"]): CatalogIndex {
  return new CatalogIndex({ relations: [], functions, searchPath: ["pg_catalog", "public"] });
}

function withCatalog(sql: string, index: CatalogIndex): SqlStatement {
  const action = normalizeSql(sql, { catalog: index });
  assert.is(action.statements.length, 1, sql);
  return action.statements[0]!;
}

test("with the target's catalog, pg_proc's volatility decides, for built-ins and the database's own functions", () => {
  const index = catalog([
    { schema: "public", name: "normalize_email", volatility: "immutable" },
    { schema: "public", name: "audit_email", volatility: "volatile" },
    { schema: "pg_catalog", name: "lower", volatility: "immutable" },
    // Overloads are not told apart by argument types: one volatile overload makes the name volatile.
    { schema: "public", name: "lookup", volatility: "stable" },
    { schema: "public", name: "lookup", volatility: "volatile" },
  ]);
  const filterOnly = withCatalog("SELECT id FROM users WHERE (SELECT normalize_email(email)) = 'x'", index);
  assert.equal(columns(filterOnly), ["users.email filter", "users.id output"]);
  for (const sql of [
    "SELECT id FROM users WHERE (SELECT audit_email(email)) IS NULL",
    "SELECT id FROM users WHERE (SELECT lookup(email)) IS NULL",
    "SELECT id FROM users ORDER BY (SELECT public.audit_email(email))",
  ]) {
    assert.ok(columns(withCatalog(sql, index)).includes("users.email derived"), sql);
  }
  assert.equal(columns(withCatalog("SELECT id FROM users WHERE (SELECT lower(email)) = 'x'", index)), ["users.email filter", "users.id output"]);
});

test("a function the catalog does not hold falls back to the built-in list, else counts as volatile", () => {
  const index = catalog([]);
  assert.ok(columns(withCatalog("SELECT id FROM users WHERE (SELECT unknown_fn(email)) IS NULL", index)).includes("users.email derived"));
  assert.equal(columns(withCatalog("SELECT id FROM users WHERE (SELECT upper(email)) = 'X'", index)), ["users.email filter", "users.id output"]);
});

test.run();
