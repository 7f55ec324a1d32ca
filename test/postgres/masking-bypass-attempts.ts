/**
 * The masking-bypass attempts (masking-bypass.test.ts runs them through a live gateway; the cache
 * differential test decides each with the caches on and off): each names what must happen.
 */

export type Expect =
  /** Allowed, and the masked form of a value is in the result. */
  | { outcome: "masked"; shows?: RegExp }
  /** Denied by the gateway with SQLSTATE 42501. */
  | { outcome: "denied"; reason?: RegExp }
  /** The server's error reaches the client with its SQLSTATE, but not its message. */
  | { outcome: "withheld"; code: string }
  /** Allowed without masking: what it reveals is a known limitation, named in the attempt. */
  | { outcome: "allowed" };

export type Client = "psql" | "pg" | "pg-extended" | "pg-binary";

export interface Attempt {
  name: string;
  client: Client;
  sql: string;
  values?: unknown[];
  expect: Expect;
}

const MASKED: Expect = { outcome: "masked" };
const DENIED: Expect = { outcome: "denied" };
const denied = (reason: RegExp): Expect => ({ outcome: "denied", reason });
const withheld = (code: string): Expect => ({ outcome: "withheld", code });
const ALLOWED: Expect = { outcome: "allowed" };

export const ATTEMPTS: Attempt[] = [
  // Returned unchanged under another name or through another query level: masked on the wire.
  { name: "a column alias", client: "pg", sql: "SELECT email AS contact, ssn AS s FROM users", expect: MASKED },
  { name: "SELECT *", client: "pg", sql: "SELECT * FROM users", expect: MASKED },
  { name: "t.* of an aliased table", client: "pg", sql: "SELECT u.* FROM users u", expect: MASKED },
  { name: "TABLE users", client: "psql", sql: "TABLE users", expect: MASKED },
  { name: "a subquery in FROM that renames the column", client: "pg", sql: "SELECT x FROM (SELECT email AS x FROM users) s", expect: MASKED },
  { name: "a CTE", client: "pg", sql: "WITH c AS (SELECT id, ssn FROM users) SELECT * FROM c", expect: MASKED },
  { name: "a self-join", client: "pg", sql: "SELECT a.email, b.ssn FROM users a JOIN users b ON a.id = b.id", expect: MASKED },
  { name: "a join with orders", client: "pg", sql: "SELECT o.id, u.email FROM orders o JOIN users u ON u.id = o.user_id", expect: MASKED },
  { name: "an inner join USING the masked column", client: "pg", sql: "SELECT email FROM users a JOIN users b USING (email)", expect: MASKED },
  { name: "a LATERAL subquery returning the column", client: "pg", sql: "SELECT l.x FROM users u, LATERAL (SELECT u.email AS x) l", expect: MASKED },
  { name: "GROUP BY the masked column, returned", client: "pg", sql: "SELECT email, count(*) FROM users GROUP BY email", expect: MASKED },
  { name: "VALUES joined to users", client: "pg", sql: "SELECT v.t, u.email FROM (VALUES (1, 'a'), (2, 'b')) v(i, t) JOIN users u ON u.id = v.i", expect: MASKED },
  { name: "a locking read (FOR UPDATE)", client: "pg", sql: "SELECT email, ssn FROM users WHERE id = 1 FOR UPDATE", expect: MASKED },
  { name: "two statements in one query string", client: "pg", sql: "SELECT 1; SELECT ssn FROM users", expect: MASKED },
  { name: "UPDATE ... RETURNING the columns", client: "pg", sql: "UPDATE users SET age = age WHERE id = 1 RETURNING email, ssn", expect: MASKED },
  { name: "UPDATE ... RETURNING *", client: "pg", sql: "UPDATE users SET age = age WHERE id = 2 RETURNING *", expect: MASKED },

  // Computed from a masked column: no origin on the wire, so denied.
  { name: "concatenation", client: "pg", sql: "SELECT email || '' FROM users", expect: DENIED },
  { name: "lower()", client: "pg", sql: "SELECT lower(email) FROM users", expect: DENIED },
  { name: "substring()", client: "pg", sql: "SELECT substring(ssn from 1 for 6) FROM users", expect: DENIED },
  { name: "a cast to text", client: "pg", sql: "SELECT ssn::text FROM users", expect: DENIED },
  { name: "CAST to varchar", client: "pg", sql: "SELECT CAST(email AS varchar(64)) FROM users", expect: DENIED },
  { name: "CASE", client: "pg", sql: "SELECT CASE WHEN id = 1 THEN ssn END FROM users", expect: DENIED },
  { name: "row_to_json(users)", client: "pg", sql: "SELECT row_to_json(users) FROM users", expect: DENIED },
  { name: "to_json()", client: "pg", sql: "SELECT to_json(email) FROM users", expect: DENIED },
  { name: "json_agg of rows", client: "pg", sql: "SELECT json_agg(u) FROM users u", expect: DENIED },
  { name: "string_agg()", client: "pg", sql: "SELECT string_agg(email, ',') FROM users", expect: DENIED },
  { name: "array_agg()", client: "pg", sql: "SELECT array_agg(ssn) FROM users", expect: DENIED },
  { name: "format()", client: "pg", sql: "SELECT format('%s', email) FROM users", expect: DENIED },
  { name: "concat()", client: "pg", sql: "SELECT concat(email, ssn) FROM users", expect: DENIED },
  { name: "md5()", client: "pg", sql: "SELECT md5(ssn) FROM users", expect: DENIED },
  { name: "min() and max()", client: "pg", sql: "SELECT min(email), max(ssn) FROM users", expect: DENIED },
  { name: "a window function", client: "pg", sql: "SELECT id, lag(ssn) OVER (ORDER BY id) FROM users", expect: DENIED },
  { name: "a whole-row reference by table name", client: "pg", sql: "SELECT users FROM users", expect: DENIED },
  { name: "a whole-row reference by alias", client: "pg", sql: "SELECT u FROM users u", expect: DENIED },
  { name: "a field of a whole-row value", client: "pg", sql: "SELECT (u).email FROM users u", expect: DENIED },
  { name: "an expression in a LATERAL subquery", client: "pg", sql: "SELECT l.x FROM users u CROSS JOIN LATERAL (SELECT u.email || '' AS x) l", expect: DENIED },
  { name: "a scalar subquery", client: "pg", sql: "SELECT (SELECT ssn FROM users ORDER BY id LIMIT 1) AS s", expect: DENIED },
  { name: "VALUES holding a scalar subquery", client: "pg", sql: "VALUES ((SELECT email FROM users ORDER BY id LIMIT 1))", expect: DENIED },
  { name: "a recursive CTE", client: "pg", sql: "WITH RECURSIVE r(n, e) AS (SELECT 1, email FROM users UNION ALL SELECT n + 1, e FROM r WHERE n < 2) SELECT e FROM r", expect: DENIED },
  { name: "UNION", client: "pg", sql: "SELECT email FROM users UNION SELECT 'x'", expect: DENIED },
  { name: "INTERSECT", client: "pg", sql: "SELECT ssn FROM users INTERSECT SELECT ssn FROM users", expect: DENIED },
  { name: "EXCEPT", client: "pg", sql: "SELECT * FROM users EXCEPT SELECT * FROM users WHERE id = 2", expect: DENIED },
  { name: "FULL JOIN USING (the merged column is a coalesce)", client: "pg", sql: "SELECT email FROM users a FULL JOIN users b USING (email)", expect: DENIED },
  { name: "NATURAL FULL JOIN merging a renamed column", client: "pg", sql: "SELECT name FROM users NATURAL FULL JOIN (SELECT id, email AS name FROM users) x", expect: DENIED },
  { name: "UPDATE ... RETURNING an expression", client: "pg", sql: "UPDATE users SET age = age WHERE id = 1 RETURNING email || ''", expect: DENIED },
  { name: "DELETE ... RETURNING the whole row", client: "pg", sql: "DELETE FROM users WHERE id = -1 RETURNING users", expect: DENIED },

  // Copies: the value would leave through another table.
  { name: "INSERT ... SELECT into another table", client: "pg", sql: "INSERT INTO scratch (id, note) SELECT id, email FROM users", expect: DENIED },
  { name: "INSERT ... SELECT ... RETURNING the copy", client: "pg", sql: "INSERT INTO scratch SELECT id, ssn FROM users RETURNING note", expect: DENIED },
  { name: "UPDATE ... FROM users copying the column", client: "pg", sql: "UPDATE scratch SET note = u.email FROM users u WHERE u.id = scratch.id", expect: DENIED },
  { name: "CREATE TEMP TABLE AS", client: "pg", sql: "CREATE TEMP TABLE copy1 AS SELECT * FROM users", expect: DENIED },
  { name: "SELECT INTO", client: "pg", sql: "SELECT id, ssn INTO TEMP copy2 FROM users", expect: DENIED },
  { name: "reading the copy target afterwards", client: "pg", sql: "SELECT * FROM scratch", expect: ALLOWED },
  { name: "CREATE VIEW over the column", client: "pg", sql: "CREATE VIEW mine AS SELECT email FROM users", expect: DENIED },
  { name: "COPY users TO STDOUT", client: "psql", sql: "COPY users TO STDOUT", expect: DENIED },
  { name: "COPY (SELECT ...) TO STDOUT", client: "psql", sql: "COPY (SELECT email FROM users) TO STDOUT", expect: DENIED },
  { name: "psql \\copy of a query", client: "psql", sql: "\\copy (SELECT ssn FROM users) TO STDOUT", expect: DENIED },
  { name: "COPY of a view over the column", client: "psql", sql: "COPY contacts TO STDOUT", expect: denied(/view public\.contacts reads public\.users\.email/) },

  // Views, functions and tables made on the server: the query text does not show what they read.
  { name: "a view over the column", client: "pg", sql: "SELECT * FROM contacts", expect: denied(/view public\.contacts reads public\.users\.email/) },
  { name: "the column of a view by name", client: "pg", sql: "SELECT email FROM contacts", expect: DENIED },
  { name: "a view of expressions over the columns", client: "pg", sql: "SELECT e, s FROM contact_digest", expect: DENIED },
  { name: "a view over a view", client: "pg", sql: "SELECT * FROM contacts_again", expect: DENIED },
  { name: "a view returning whole rows", client: "pg", sql: "SELECT * FROM user_rows", expect: DENIED },
  { name: "a materialized view", client: "pg", sql: "SELECT * FROM ssn_cache", expect: denied(/public\.ssn_cache reads public\.users\.ssn/) },
  { name: "TABLE of a view", client: "psql", sql: "TABLE contacts", expect: DENIED },
  { name: "a view over an inheritance child", client: "pg", sql: "SELECT * FROM vip_contacts", expect: denied(/view public\.vip_contacts reads public\.users\.email/) },
  { name: "UPDATE of an updatable view RETURNING the column", client: "pg", sql: "UPDATE contacts SET email = email WHERE id = 1 RETURNING email", expect: DENIED },
  { name: "a view calling a function", client: "pg", sql: "SELECT * FROM via_function", expect: denied(/function/) },
  { name: "a function returning SETOF users", client: "pg", sql: "SELECT * FROM all_users()", expect: denied(/function public\.all_users\(\)/) },
  { name: "a column of a SETOF users function under an alias", client: "pg", sql: "SELECT f.email AS x FROM all_users() f", expect: DENIED },
  { name: "a function returning rows in the SELECT list", client: "pg", sql: "SELECT all_users()", expect: DENIED },
  { name: "a table function", client: "pg", sql: "SELECT mail FROM people()", expect: DENIED },
  { name: "ROWS FROM a table function", client: "pg", sql: "SELECT * FROM ROWS FROM (people())", expect: DENIED },
  { name: "a scalar PL/pgSQL function", client: "pg", sql: "SELECT first_email()", expect: DENIED },
  { name: "an inheritance child of users", client: "pg", sql: "SELECT email, ssn FROM vip_users", expect: denied(/vip_users inherits/) },
  { name: "an expression over an inheritance child", client: "pg", sql: "SELECT lower(email) FROM vip_users", expect: DENIED },
  { name: "the planner statistics of users", client: "pg", sql: "SELECT attname, histogram_bounds::text FROM pg_stats WHERE tablename = 'users'", expect: denied(/pg_stats/) },
  { name: "query_to_xml running SQL text", client: "pg", sql: "SELECT query_to_xml('SELECT email FROM users', true, false, '')", expect: DENIED },
  { name: "a DO block", client: "pg", sql: "DO $$BEGIN RAISE NOTICE '%', (SELECT email FROM users LIMIT 1); END$$", expect: DENIED },
  { name: "renaming the column away from the policy", client: "pg", sql: "ALTER TABLE users RENAME COLUMN email TO contact", expect: denied(/holds columns masked for you/) },
  { name: "a generated column copying it", client: "pg", sql: "ALTER TABLE users ADD COLUMN e2 text GENERATED ALWAYS AS (email) STORED", expect: DENIED },

  // Filters only choose rows, but a function called on the value in a filter may send it elsewhere.
  { name: "pg_notify() in WHERE (the payload reaches a LISTEN)", client: "pg", sql: "LISTEN leak; SELECT id FROM users WHERE pg_notify('leak', ssn) IS NULL", expect: DENIED },
  { name: "lo_from_bytea() in WHERE (a large object keeps it)", client: "pg", sql: "SELECT id FROM users WHERE lo_from_bytea(1000 + id, convert_to(email, 'UTF8')) > 0", expect: DENIED },
  { name: "looking for large objects afterwards", client: "pg", sql: "SELECT count(*) FROM pg_largeobject_metadata", expect: ALLOWED },
  { name: "pg_advisory_lock() in ORDER BY (pg_locks shows its key)", client: "pg", sql: "SELECT id FROM users ORDER BY pg_advisory_lock(hashtext(ssn))", expect: DENIED },
  { name: "WHERE lower(email) = ... (a side-effect-free function only filters, allowed)", client: "pg", sql: "SELECT id FROM users WHERE lower(email) = 'someone@example.org'", expect: ALLOWED },
  // Known limitation: a filter answers questions about the value one row (or one rank) at a time.
  { name: "WHERE ssn LIKE ... returning ids (inference, allowed)", client: "pg", sql: "SELECT id FROM users WHERE ssn LIKE '123-45%'", expect: ALLOWED },
  { name: "ORDER BY ssn LIMIT 1 (rank probing, allowed)", client: "pg", sql: "SELECT id FROM users ORDER BY ssn LIMIT 1", expect: ALLOWED },

  // The server's own error messages quote the value they failed on.
  { name: "a failing cast in WHERE", client: "pg", sql: "SELECT id FROM users WHERE ssn::int = 1", expect: withheld("22P02") },
  { name: "a failing cast in ORDER BY", client: "pg", sql: "SELECT id FROM users ORDER BY email::int", expect: withheld("22P02") },
  { name: "a failing regclass cast", client: "pg", sql: "SELECT id FROM users WHERE ssn::pg_catalog.regclass IS NULL", expect: withheld("42P01") },
  { name: "a failing json cast (the detail and context quote it)", client: "pg", sql: "SELECT id FROM users WHERE email::json IS NULL", expect: withheld("22P02") },
  { name: "a NOT NULL violation (the failing row is in the detail)", client: "pg", sql: "UPDATE users SET name = NULL WHERE id = 1", expect: withheld("23502") },
  { name: "a failing cast through psql", client: "psql", sql: "SELECT id FROM users WHERE email::int = 1", expect: withheld("22P02") },

  // Cursors and prepared statements, in SQL and in the extended protocol.
  { name: "a cursor over SELECT *", client: "psql", sql: "BEGIN;\nDECLARE c CURSOR FOR SELECT * FROM users;\nFETCH ALL FROM c;\nCOMMIT;", expect: MASKED },
  { name: "a cursor over an expression", client: "psql", sql: "BEGIN;\nDECLARE c CURSOR FOR SELECT upper(email) FROM users;\nFETCH ALL FROM c;\nCOMMIT;", expect: DENIED },
  { name: "a cursor over a view", client: "psql", sql: "BEGIN;\nDECLARE c CURSOR FOR SELECT * FROM contacts;\nFETCH ALL FROM c;\nCOMMIT;", expect: DENIED },
  { name: "PREPARE and EXECUTE in SQL", client: "psql", sql: "PREPARE p1(int) AS SELECT email, ssn FROM users WHERE id = $1;\nEXECUTE p1(1);", expect: MASKED },
  { name: "PREPARE of an expression", client: "psql", sql: "PREPARE p2 AS SELECT md5(ssn) FROM users;\nEXECUTE p2;", expect: DENIED },
  { name: "PREPARE over a function", client: "psql", sql: "PREPARE p3 AS SELECT * FROM all_users();\nEXECUTE p3;", expect: DENIED },
  { name: "an extended-protocol query", client: "pg-extended", sql: "SELECT email, ssn FROM users WHERE id = $1", values: [2], expect: MASKED },
  { name: "an extended-protocol expression", client: "pg-extended", sql: "SELECT lower(email) FROM users WHERE id = $1", values: [1], expect: DENIED },
  { name: "an extended-protocol view", client: "pg-extended", sql: "SELECT * FROM contacts WHERE id = $1", values: [1], expect: DENIED },
  { name: "an extended-protocol failing cast", client: "pg-extended", sql: "SELECT id FROM users WHERE ssn::int = $1", values: [1], expect: withheld("22P02") },
  { name: "binary-format results", client: "pg-binary", sql: "SELECT id, email, ssn FROM users WHERE id = $1", values: [1], expect: { outcome: "masked", shows: /\*{7}6789/ } },
  { name: "binary-format results of a function", client: "pg-binary", sql: "SELECT * FROM all_users() WHERE id = $1", values: [1], expect: DENIED },
];
