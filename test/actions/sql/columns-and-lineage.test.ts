import { test } from "uvu";
import * as assert from "uvu/assert";
import { columns, one } from "./support.js";

// Column lineage decides masking: `output` is a table column returned unchanged (the gateway masks it on
// the wire); `derived` is a value that leaves in a form the wire cannot trace (the policy denies it for a
// masked column); `filter` only chooses rows; `write` is assigned. A sensitive value must never leave
// under a use weaker than the truth, nor be attributed to the wrong table.

test("plain references and aliases are output; WHERE, JOIN and ORDER BY are filters", () => {
  assert.equal(columns(one("SELECT u.email AS contact, o.total FROM public.users u JOIN orders o ON o.user_id = u.id WHERE o.total > 10 ORDER BY u.name")), [
    "orders.total filter",
    "orders.total output",
    "orders.user_id filter",
    "public.users.email output",
    "public.users.id filter",
    "public.users.name filter",
  ]);
  // Parentheses are no expression: the value is still the column itself.
  assert.equal(columns(one("SELECT (email) FROM users")), ["users.email output"]);
});

test("an unqualified column with two tables in FROM is attributed to both (never to neither)", () => {
  assert.equal(columns(one("SELECT email FROM users, orders")), ["orders.email output", "users.email output"]);
});

test("SELECT * and t.* carry every column of their tables", () => {
  assert.equal(columns(one("SELECT * FROM users")), ["users.* output"]);
  assert.equal(columns(one("SELECT u.* FROM users u, orders o")), ["users.* output"]);
  // USING (id) compares both sides' id: a filter on each.
  assert.equal(columns(one("SELECT * FROM users JOIN orders USING (id)")), ["orders.* output", "orders.id filter", "users.* output", "users.id filter"]);
  assert.equal(columns(one("TABLE users")), ["users.* output"]);
});

test("whole-row references (row_to_json(t), t, t::text, (t).col) are derived from every column", () => {
  assert.equal(columns(one("SELECT row_to_json(u) FROM users u")), ["users.* derived", "users.u derived"]);
  assert.equal(columns(one("SELECT to_jsonb(u.*) FROM users u")), ["users.* derived"]);
  assert.equal(columns(one("SELECT u::text FROM users u")), ["users.* derived", "users.u derived"]);
  assert.equal(columns(one("SELECT (u).ssn FROM users u")), ["users.* derived", "users.u derived"]);
  assert.equal(columns(one("SELECT j.value FROM users u, LATERAL jsonb_each(to_jsonb(u)) j")), ["users.* derived", "users.u derived"]);
  // A bare whole row is returned as one composite value: its fields cannot be masked one by one.
  assert.equal(columns(one("SELECT u FROM users u")), ["users.* derived", "users.u output"]);
});

test("expressions, casts, CASE and aggregates are derived; their other inputs are filters", () => {
  assert.equal(columns(one("SELECT upper(email), email::text, email || '' FROM users")), ["users.email derived"]);
  assert.equal(columns(one("SELECT CASE WHEN active THEN email END FROM users")), ["users.active derived", "users.email derived"]);
  assert.equal(columns(one("SELECT count(*), max(ssn) FROM users GROUP BY team HAVING count(id) > 1")), [
    "users.id filter",
    "users.ssn derived",
    "users.team filter",
  ]);
  assert.equal(columns(one("SELECT string_agg(email, ',' ORDER BY name) FILTER (WHERE active) FROM users")), [
    "users.active filter",
    "users.email derived",
    "users.name filter",
  ]);
  assert.equal(columns(one("SELECT lag(email) OVER (PARTITION BY team ORDER BY created) FROM users")), [
    "users.created filter",
    "users.email derived",
    "users.team filter",
  ]);
  assert.equal(columns(one("SELECT DISTINCT ON (team) email FROM users")), ["users.email output", "users.team filter"]);
});

test("set operations: every column on either side is derived", () => {
  assert.equal(columns(one("SELECT email FROM users UNION SELECT name FROM customers")), ["customers.name derived", "users.email derived"]);
  assert.equal(columns(one("(SELECT email FROM users) EXCEPT (SELECT email FROM staff) ORDER BY 1")), ["staff.email derived", "users.email derived"]);
  assert.equal(columns(one("SELECT x FROM (SELECT ssn AS x FROM users INTERSECT SELECT 'a') s")), ["users.ssn derived"]);
});

test("subqueries and CTEs in FROM keep the lineage of what they return", () => {
  assert.equal(columns(one("SELECT e FROM (SELECT email AS e FROM users) s")), ["users.email output"]);
  assert.equal(columns(one("SELECT x.email FROM (SELECT u.* FROM users u) x")), ["users.email output"]);
  assert.equal(columns(one("SELECT s.* FROM (SELECT * FROM users) s")), ["users.* output"]);
  assert.equal(columns(one("WITH x AS (SELECT email FROM users) SELECT email FROM x")), ["users.email output"]);
  assert.equal(columns(one("WITH c(a, b) AS (SELECT email, ssn FROM users) SELECT b FROM c")), ["users.ssn output"]);
  assert.equal(columns(one("SELECT t.b FROM (SELECT email, ssn FROM users) AS t(a, b)")), ["users.ssn output"]);
  assert.equal(columns(one("SELECT x.email FROM users u, LATERAL (SELECT u.email) x")), ["users.email output"]);
  // The whole row of a subquery is one composite value.
  assert.equal(columns(one("SELECT t FROM (SELECT ssn FROM users) t")), ["users.ssn derived"]);
});

test("a scalar or ARRAY subquery in the SELECT list is derived; IN and EXISTS subqueries only filter", () => {
  // Without the catalog, `users` may lack `email` and `id`: then the server reads them from the outer
  // `orders`, so both are candidates (with the catalog only the one that has the column is).
  assert.equal(columns(one("SELECT (SELECT email FROM users WHERE id = o.user_id) FROM orders o")), [
    "orders.email derived",
    "orders.id filter",
    "orders.user_id filter",
    "users.email derived",
    "users.id filter",
  ]);
  assert.equal(columns(one("SELECT ARRAY(SELECT email FROM users)")), ["users.email derived"]);
  // Without the catalog, user_id and total may be outer references to users: candidates too.
  assert.equal(columns(one("SELECT name FROM users WHERE id IN (SELECT user_id FROM orders WHERE total > 5)")), [
    "orders.total filter",
    "orders.user_id filter",
    "users.id filter",
    "users.name output",
    "users.total filter",
    "users.user_id filter",
  ]);
  assert.equal(columns(one("SELECT * FROM users WHERE EXISTS (SELECT ssn FROM secrets WHERE secrets.uid = users.id)")), [
    "secrets.ssn filter",
    "secrets.uid filter",
    "users.* output",
    "users.id filter",
    "users.ssn filter",
  ]);
});

test("recursive CTEs: what the recursion returns is derived (a set operation)", () => {
  const s = one(
    "WITH RECURSIVE tree AS (SELECT id, parent_id, name FROM nodes WHERE parent_id IS NULL" +
      " UNION ALL SELECT n.id, n.parent_id, n.name FROM nodes n JOIN tree ON n.parent_id = tree.id) SELECT name FROM tree",
  );
  assert.equal(columns(s), ["nodes.name derived", "nodes.parent_id filter"]);
  // A recursive CTE may read one written after it: its columns are still traced to their table.
  assert.equal(columns(one("WITH RECURSIVE a AS (SELECT * FROM b), b AS (SELECT ssn FROM users) SELECT * FROM a")), ["users.ssn output"]);
});

test("an aliased join is a relation of its own: j.col and j.* reach both sides", () => {
  assert.equal(columns(one("SELECT j.ssn FROM (users u JOIN orders o ON o.uid = u.id) AS j")), [
    "orders.ssn output",
    "orders.uid filter",
    "users.id filter",
    "users.ssn output",
  ]);
  assert.equal(columns(one("SELECT j.* FROM (users u JOIN orders o ON true) AS j")), ["orders.* output", "users.* output"]);
  assert.equal(columns(one("SELECT x.id FROM users JOIN orders USING (id) AS x")), ["orders.id filter", "orders.id output", "users.id filter", "users.id output"]);
});

test("column alias lists that rename unknown columns (`t(a)` over a table or a `*`) stay traced to the table", () => {
  // The server returns the table's first column as `a`: which one it is, only the catalog knows.
  assert.equal(columns(one("SELECT a FROM users t(a)")), ["?.a output", "users.* output"]);
  assert.equal(columns(one("SELECT t.a, t.email FROM users t(a)")), ["users.* output"]);
  assert.equal(columns(one("SELECT s.x FROM (SELECT * FROM users) s(x)")), ["users.* output"]);
  assert.equal(columns(one("WITH c(a) AS (SELECT * FROM users) SELECT a FROM c")), ["?.a output", "users.* output"]);
  assert.equal(columns(one("SELECT s.c FROM (SELECT *, ssn FROM users) s(a, b, c)")), ["users.* output", "users.ssn output"]);
});

test("a subquery column the text leaves unnamed (`upper(ssn)` is called upper) is still derived from its source", () => {
  assert.equal(columns(one("SELECT upper FROM (SELECT upper(ssn) FROM users) s")), ["?.upper output", "users.ssn derived"]);
  assert.equal(columns(one('WITH c AS (SELECT ssn || \'\' FROM users) SELECT "?column?" FROM c')), ["?.?column? output", "users.ssn derived"]);
  assert.equal(columns(one("SELECT u FROM upper((SELECT ssn FROM users LIMIT 1)) AS f(u)")), ["?.u output", "users.ssn derived"]);
});

test("a column returned by a function in FROM cannot be traced to a table", () => {
  assert.equal(columns(one("SELECT ssn FROM lookup_people()")), ["?.ssn output"]);
  assert.equal(columns(one("SELECT * FROM generate_series(1, 3) g")), []);
  assert.equal(columns(one("SELECT * FROM unnest(ARRAY(SELECT email FROM users)) AS e")), ["users.email derived"]);
});

test("INSERT: listed columns are written, rows copied from a query are derived, RETURNING is output", () => {
  assert.equal(columns(one("INSERT INTO users (id, email) VALUES (1, 'a@b')")), ["users.email write", "users.id write"]);
  assert.equal(columns(one("INSERT INTO users SELECT * FROM staging.users")), ["staging.users.* derived"]);
  assert.equal(columns(one("INSERT INTO archive (e) SELECT email FROM users")), ["archive.e write", "users.email derived"]);
  assert.equal(columns(one("INSERT INTO users (email) VALUES ('x') RETURNING id, upper(email)")), [
    "users.email derived",
    "users.email write",
    "users.id output",
  ]);
});

test("ON CONFLICT: excluded.* is the proposed row (the statement's own values), the target's columns are traced", () => {
  // The conflict target `(id)` only picks a unique index: it is no use of the column's value.
  assert.equal(columns(one("INSERT INTO users (id, email) VALUES (1, 'a') ON CONFLICT (id) DO UPDATE SET email = excluded.email")), [
    "users.email write",
    "users.id write",
  ]);
  assert.equal(columns(one("INSERT INTO users AS u (id) VALUES (1) ON CONFLICT (id) DO UPDATE SET name = row_to_json(excluded.*)::text WHERE u.active")), [
    "users.active filter",
    "users.id write",
    "users.name write",
  ]);
  assert.equal(columns(one("INSERT INTO users (id) VALUES (1) ON CONFLICT (id) DO UPDATE SET email = users.ssn")), [
    "users.email write",
    "users.id write",
    "users.ssn derived",
  ]);
});

test("UPDATE and MERGE: assigned columns are written, the values they take are derived", () => {
  assert.equal(columns(one("UPDATE users u SET name = o.name FROM other o WHERE u.id = o.id RETURNING u.ssn")), [
    "other.id filter",
    "other.name derived",
    "users.id filter",
    "users.name write",
    "users.ssn output",
  ]);
  assert.equal(
    columns(one("MERGE INTO accounts a USING staging s ON a.id = s.id WHEN MATCHED THEN UPDATE SET balance = s.balance WHEN NOT MATCHED THEN INSERT (id, balance) VALUES (s.id, s.balance)")),
    ["accounts.balance write", "accounts.id filter", "accounts.id write", "staging.balance derived", "staging.id derived", "staging.id filter"],
  );
});

test("COPY out, views, SELECT INTO and CREATE TABLE AS send values where the wire cannot mask them: derived", () => {
  assert.equal(columns(one("COPY users TO STDOUT")), ["users.* derived"]);
  assert.equal(columns(one("COPY users (id, email) TO '/tmp/u.csv'")), ["users.email derived", "users.id derived"]);
  assert.equal(columns(one("COPY (SELECT email FROM users WHERE active) TO STDOUT")), ["users.active filter", "users.email derived"]);
  assert.equal(columns(one("COPY users FROM STDIN")), ["users.* write"]);
  assert.equal(columns(one("CREATE VIEW v AS SELECT id, email FROM users WHERE active")), ["users.active filter", "users.email derived", "users.id derived"]);
  assert.equal(columns(one("SELECT email INTO TEMP t FROM users")), ["users.email derived"]);
  assert.equal(columns(one("CREATE TABLE c AS SELECT * FROM users")), ["users.* derived"]);
});

test.run();
