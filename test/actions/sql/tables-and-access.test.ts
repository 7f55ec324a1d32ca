import { test } from "uvu";
import * as assert from "uvu/assert";
import { normalizeSql, one, tables } from "./support.js";

// Every relation a statement names, with what it does to it: a policy that guards a table must see it
// wherever the text hides it (subqueries, CTEs, joins, DDL, GRANT, COMMENT…).

test("joins with aliases keep each table's schema as written (null when unqualified)", () => {
  const s = one("SELECT u.email, o.total FROM public.users u JOIN sales.orders AS o ON o.user_id = u.id LEFT JOIN items i USING (id)");
  assert.equal(s.tables, [
    { schema: "public", name: "users", access: "read" },
    { schema: "sales", name: "orders", access: "read" },
    { schema: null, name: "items", access: "read" },
  ]);
});

test("a three-part name drops the catalog; the same table named twice is listed once", () => {
  assert.equal(tables(one("SELECT * FROM db.public.users")), ["public.users:read"]);
  assert.equal(tables(one("SELECT a.id FROM users a, users b, public.users c")), ["users:read", "public.users:read"]);
});

test("views are recorded by name, like tables: reading, defining and dropping them", () => {
  assert.equal(tables(one("SELECT * FROM reporting.active_users")), ["reporting.active_users:read"]);
  assert.equal(tables(one("CREATE OR REPLACE VIEW public.v AS SELECT u.email FROM users u JOIN orders o ON o.uid = u.id")), [
    "public.v:ddl",
    "users:read",
    "orders:read",
  ]);
  assert.equal(tables(one("CREATE MATERIALIZED VIEW mv AS SELECT ssn FROM users")), ["mv:ddl", "users:read"]);
  assert.equal(tables(one("REFRESH MATERIALIZED VIEW mv")), ["mv:ddl"]);
  assert.equal(tables(one("DROP VIEW active_users, reporting.v")), ["active_users:ddl", "reporting.v:ddl"]);
});

test("subqueries in SELECT, FROM, WHERE, ORDER BY and LATERAL are all read", () => {
  const s = one(
    "SELECT (SELECT max(total) FROM orders o WHERE o.uid = u.id) FROM (SELECT * FROM users) u" +
      " WHERE EXISTS (SELECT 1 FROM bans b WHERE b.uid = u.id) ORDER BY (SELECT count(*) FROM audit.log)" +
      " , (SELECT 1 FROM LATERAL (SELECT * FROM items) x LIMIT 1)",
  );
  assert.equal(tables(s), ["users:read", "bans:read", "audit.log:read", "items:read", "orders:read"]);
});

test("a CTE's name is not a table, but what it reads is; a CTE may shadow a table of the same name", () => {
  assert.equal(tables(one("WITH x AS (SELECT email FROM users) SELECT email FROM x")), ["users:read"]);
  assert.equal(tables(one("WITH users AS (SELECT 1 AS id) SELECT id FROM users")), []);
  // Inside a plain WITH a CTE cannot see itself: `x` in its own body is the table x.
  assert.equal(tables(one("WITH x AS (SELECT * FROM x) SELECT * FROM x")), ["x:read"]);
});

test("WITH RECURSIVE: the self-reference is not a table, and a CTE may read one written after it", () => {
  const tree = one(
    "WITH RECURSIVE tree AS (SELECT id, parent_id FROM nodes WHERE parent_id IS NULL" +
      " UNION ALL SELECT n.id, n.parent_id FROM nodes n JOIN tree ON n.parent_id = tree.id) SELECT id FROM tree",
  );
  assert.equal(tables(tree), ["nodes:read"]);
  // PostgreSQL orders recursive CTEs by dependency: `b` is the CTE, not a table named b.
  const forward = one("WITH RECURSIVE a AS (SELECT * FROM b), b AS (SELECT ssn FROM users) SELECT * FROM a");
  assert.equal(tables(forward), ["users:read"]);
});

test("data-changing statements: the target is written, every source is read", () => {
  assert.equal(tables(one("INSERT INTO users SELECT * FROM staging.users")), ["staging.users:read", "users:write"]);
  assert.equal(tables(one("INSERT INTO users SELECT * FROM users WHERE false")), ["users:read", "users:write"]);
  assert.equal(tables(one("UPDATE users u SET name = o.name FROM other o WHERE u.id = o.id")), ["users:write", "other:read"]);
  assert.equal(tables(one("DELETE FROM orders o USING users u WHERE o.user_id = u.id")), ["orders:write", "users:read"]);
  assert.equal(tables(one("MERGE INTO ledger.accounts a USING (SELECT * FROM staging) s ON a.id = s.id WHEN MATCHED THEN DELETE")), [
    "ledger.accounts:write",
    "staging:read",
  ]);
});

test("a data-modifying CTE writes its table even when the outer statement only reads", () => {
  assert.equal(tables(one("WITH d AS (DELETE FROM orders WHERE id = 1 RETURNING *) SELECT * FROM d")), ["orders:write"]);
  assert.equal(tables(one("WITH d AS (DELETE FROM orders WHERE id = 1 RETURNING *) INSERT INTO archive.orders SELECT * FROM d")), [
    "orders:write",
    "archive.orders:write",
  ]);
});

test("COPY reads the table it copies out and writes the one it copies in", () => {
  assert.equal(tables(one("COPY public.users TO STDOUT")), ["public.users:read"]);
  assert.equal(tables(one("COPY users FROM STDIN")), ["users:write"]);
  assert.equal(tables(one("COPY (SELECT u.email FROM users u JOIN orders o ON o.uid = u.id) TO '/tmp/x'")), ["users:read", "orders:read"]);
});

test("CREATE TABLE, ALTER TABLE and CREATE INDEX record every relation they name, as ddl", () => {
  assert.equal(tables(one("CREATE TABLE audit.events (id bigserial PRIMARY KEY, uid int REFERENCES users(id))")), ["audit.events:ddl", "users:ddl"]);
  assert.equal(tables(one("CREATE TABLE t2 (LIKE users INCLUDING ALL)")), ["t2:ddl", "users:ddl"]);
  assert.equal(tables(one("CREATE TABLE copy AS SELECT * FROM users")), ["copy:ddl", "users:read"]);
  assert.equal(tables(one("ALTER TABLE public.users DROP COLUMN ssn")), ["public.users:ddl"]);
  assert.equal(tables(one("ALTER TABLE users ATTACH PARTITION users_2024 FOR VALUES IN (2024)")), ["users:ddl", "users_2024:ddl"]);
  assert.equal(tables(one("CREATE UNIQUE INDEX ON sales.orders USING btree (id) WHERE total > 0")), ["sales.orders:ddl"]);
  assert.equal(tables(one("CREATE TRIGGER trg AFTER INSERT ON users FOR EACH ROW EXECUTE FUNCTION notify()")), ["users:ddl"]);
});

test("DROP and TRUNCATE name each of their tables", () => {
  assert.equal(tables(one("DROP TABLE users, public.orders CASCADE")), ["users:ddl", "public.orders:ddl"]);
  assert.equal(tables(one("DROP SEQUENCE s")), ["s:ddl"]);
  assert.equal(tables(one("DROP SCHEMA audit CASCADE")), []);
  const truncate = one("TRUNCATE users, audit.events RESTART IDENTITY");
  assert.equal(tables(truncate), ["users:write", "audit.events:write"]);
});

test("GRANT and REVOKE on tables and sequences record them; on a schema or a role they name none", () => {
  assert.equal(tables(one("GRANT SELECT, UPDATE (email) ON users, public.orders TO analyst")), ["users:ddl", "public.orders:ddl"]);
  assert.equal(tables(one("REVOKE ALL ON TABLE users FROM PUBLIC")), ["users:ddl"]);
  assert.equal(tables(one("GRANT USAGE, SELECT ON SEQUENCE public.users_id_seq TO bob")), ["public.users_id_seq:ddl"]);
  assert.equal(tables(one("GRANT SELECT ON ALL TABLES IN SCHEMA public TO bob")), []);
});

test("COMMENT and SECURITY LABEL on a table, a view or a column record the relation", () => {
  assert.equal(tables(one("COMMENT ON TABLE users IS 'people'")), ["users:ddl"]);
  assert.equal(tables(one("COMMENT ON COLUMN public.users.ssn IS 'secret'")), ["public.users:ddl"]);
  assert.equal(tables(one("COMMENT ON VIEW reporting.v IS 'x'")), ["reporting.v:ddl"]);
  assert.equal(tables(one("SECURITY LABEL ON TABLE public.users IS 'classified'")), ["public.users:ddl"]);
  assert.equal(tables(one("COMMENT ON SCHEMA audit IS 'x'")), []);
});

test("utility statements: LOCK writes, VACUUM and friends read, a publication's tables are ddl", () => {
  assert.equal(tables(one("LOCK TABLE users IN ACCESS EXCLUSIVE MODE")), ["users:write"]);
  assert.equal(tables(one("VACUUM ANALYZE users")), ["users:read"]);
  assert.equal(tables(one("CREATE PUBLICATION p FOR TABLE users, audit.events")), ["users:ddl", "audit.events:ddl"]);
});

test("each statement of a multi-statement text lists only its own tables", () => {
  const action = normalizeSql("SELECT * FROM a; DELETE FROM b WHERE id = 1; CREATE TABLE c (id int)");
  assert.equal(
    action.statements.map((s) => tables(s)),
    [["a:read"], ["b:write"], ["c:ddl"]],
  );
});

test.run();
