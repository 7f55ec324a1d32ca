import type { Rng } from "../../../bench/policy/rng.js";

/**
 * A generator of queries that put a masked column (`users.email`, `users.ssn`) in every syntactic
 * position a value can leave by: the select list, scalar and FROM subqueries, CTEs, LATERAL, outer
 * references, functions that build values (json_build_object, ARRAY, ROW, format, concat,
 * string_agg…), casts, CASE, set operations, VALUES, window functions, RETURNING, COPY (…) TO
 * STDOUT, cursors, PREPARE/EXECUTE, EXPLAIN (ANALYZE, VERBOSE), side-effect functions, filters whose
 * errors quote the value, whole-row references. Each position is combined with a transformation of
 * the value (upper, reverse, md5, substr, casts…) and a spelling of the column reference.
 */

/**
 * How a single statement is sent: a simple Query, or Parse/Bind/Execute with text or binary results,
 * one row per Execute (the portal suspended and resumed), or as a named statement executed twice
 * (the second time only Bind and Execute).
 */
export type Protocol = "simple" | "extended text" | "extended binary" | "extended, one row per Execute" | "named, executed twice";

export interface GeneratedQuery {
  /** The position's name, to count leaks by position. */
  position: string;
  sql: string;
  /** When set, the messages to send one after another (each a simple Query); `sql` is then their text joined. */
  steps?: string[];
  /** How the statement is sent (simple Query by default). */
  protocol?: Protocol;
}

/** What a position template gets: the column and the expression to put in its place. */
interface Slot {
  /** The masked column's bare name (`email` or `ssn`). */
  col: string;
  /** A transformation of a reference to the column of `users` aliased `u`. */
  e: string;
  /** The same transformation of the column's bare (unqualified) name, for outer-reference positions. */
  bare: string;
  /** A number unique to this query, for names (cursors, prepared statements, channels, rows). */
  n: number;
}

type Template = (s: Slot) => string | string[];

/** Spellings of a reference to column `c` of `users u`. */
const REFERENCES: ((c: string) => string)[] = [
  (c) => `u.${c}`,
  (c) => c,
  (c) => `"${c}"`,
  (c) => `(u).${c}`,
  (c) => `u."${c}"`,
  (c) => `${c}(u)`,
  (c) => `(u.*).${c}`,
  (c) => `U&"\\${c.charCodeAt(0).toString(16).padStart(4, "0")}${c.slice(1)}"`,
  (c) => c.toUpperCase(),
];

/** Transformations of a value: each keeps a recognisable trace of it. */
const TRANSFORMS: ((x: string) => string)[] = [
  (x) => x,
  (x) => x,
  (x) => `upper(${x})`,
  (x) => `lower(${x})`,
  (x) => `reverse(${x})`,
  (x) => `md5(${x})`,
  (x) => `substr(${x}, 2)`,
  (x) => `substring(${x} from 1 for 12)`,
  (x) => `left(${x}, 12)`,
  (x) => `right(${x}, 16)`,
  (x) => `${x} || ''`,
  (x) => `'' || ${x}`,
  (x) => `concat(${x})`,
  (x) => `concat_ws(',', ${x}, 'a')`,
  (x) => `format('%s', ${x})`,
  (x) => `format('%I', ${x})`,
  (x) => `quote_literal(${x})`,
  (x) => `quote_ident(${x})`,
  (x) => `${x}::varchar`,
  (x) => `CAST(${x} AS char(40))`,
  (x) => `${x}::name`,
  (x) => `(${x})::bytea`,
  (x) => `coalesce(${x}, '')`,
  (x) => `nullif(${x}, 'z')`,
  (x) => `greatest(${x}, '')`,
  (x) => `replace(${x}, '@', '#')`,
  (x) => `translate(${x}, '-', '+')`,
  (x) => `initcap(${x})`,
  (x) => `lpad(${x}, 40, '.')`,
  (x) => `btrim(${x})`,
  (x) => `split_part(${x}, '@', 1)`,
  (x) => `regexp_replace(${x}, 'q', 'q')`,
  (x) => `overlay(${x} placing 'Q' from 1 for 1)`,
  (x) => `encode(convert_to(${x}, 'UTF8'), 'hex')`,
  (x) => `encode(convert_to(${x}, 'UTF8'), 'base64')`,
  (x) => `sha256(convert_to(${x}, 'UTF8'))::text`,
  (x) => `to_json(${x})::text`,
  (x) => `ARRAY[${x}]`,
  (x) => `ROW(${x})`,
  (x) => `(SELECT ${x})`,
  (x) => `CASE WHEN true THEN ${x} END`,
  (x) => `${x} COLLATE "C"`,
  (x) => `xmlelement(name v, ${x})::text`,
  (x) => `text(${x})`,
  (x) => `(ARRAY[${x}])[1]`,
  (x) => `(ROW(${x})).f1`,
  (x) => `(SELECT t FROM (SELECT ${x}) t(t))`,
];

/** Positions; `e`/`bare` is the transformed masked value. */
const POSITIONS: Record<string, Template> = {
  "select list": (s) => `SELECT ${s.e} FROM users u`,
  "select list with other columns": (s) => `SELECT u.id, ${s.e} AS v, u.name FROM users u WHERE u.id <= 4 ORDER BY u.id`,
  "select distinct": (s) => `SELECT DISTINCT ${s.e} FROM users u`,
  "scalar subquery": (s) => `SELECT o.id, (SELECT ${s.e} FROM users u WHERE u.id = o.user_id) FROM orders o`,
  "outer reference from a subquery over another table": (s) => `SELECT (SELECT ${s.bare} FROM orders LIMIT 1) FROM users`,
  "outer reference, aliased": (s) => `SELECT (SELECT ${s.e} FROM orders o LIMIT 1) FROM users u`,
  "outer reference, no FROM": (s) => `SELECT (SELECT ${s.bare}) FROM users`,
  "outer reference, correlated": (s) => `SELECT id, (SELECT ${s.bare} FROM orders o WHERE o.user_id = users.id LIMIT 1) FROM users`,
  "FROM subquery": (s) => `SELECT t.v FROM (SELECT ${s.e} AS v FROM users u) t`,
  "FROM subquery with column aliases": (s) => `SELECT t.x FROM (SELECT ${s.e}, u.id FROM users u) t(x, y)`,
  "FROM subquery renamed to an unmasked name": (s) => `SELECT name FROM (SELECT ${s.e} AS name FROM users u) t`,
  "FROM subquery star": (s) => `SELECT * FROM (SELECT u.id, ${s.e} FROM users u) t`,
  "nested FROM subqueries": (s) => `SELECT w FROM (SELECT v AS w FROM (SELECT ${s.e} AS v FROM users u) a) b`,
  CTE: (s) => `WITH c AS (SELECT ${s.e} AS v FROM users u) SELECT v FROM c`,
  "CTE with column list": (s) => `WITH c(v) AS (SELECT ${s.e} FROM users u) SELECT * FROM c`,
  "CTE used twice": (s) => `WITH c AS (SELECT u.id, ${s.e} AS v FROM users u) SELECT a.v, b.v FROM c a JOIN c b USING (id)`,
  "recursive CTE": (s) => `WITH RECURSIVE r(v, k) AS (SELECT ${s.e}, 1 FROM users u UNION ALL SELECT v, k + 1 FROM r WHERE k < 2) SELECT v FROM r`,
  "materialized CTE": (s) => `WITH c AS MATERIALIZED (SELECT ${s.e} AS v FROM users u) SELECT (SELECT v FROM c LIMIT 1)`,
  LATERAL: (s) => `SELECT l.v FROM orders o, LATERAL (SELECT ${s.e} AS v FROM users u WHERE u.id = o.user_id) l`,
  "LATERAL outer reference": (s) => `SELECT l.* FROM users u, LATERAL (SELECT ${s.e} AS v) l`,
  "LATERAL VALUES": (s) => `SELECT x FROM users u, LATERAL (VALUES (${s.e})) v(x)`,
  "LATERAL function": (s) => `SELECT g FROM users u, LATERAL unnest(ARRAY[${s.e}]) g`,
  "JOIN USING": (s) => `SELECT ${s.bare} FROM users JOIN (SELECT id FROM orders) o USING (id)`,
  "NATURAL JOIN": (s) => `SELECT * FROM (SELECT id, ${s.e} AS name FROM users u) a NATURAL JOIN (SELECT id FROM users) b`,
  json_build_object: (s) => `SELECT json_build_object('k', ${s.e}) FROM users u`,
  jsonb_build_object: (s) => `SELECT jsonb_build_object('k', ${s.e}, 'id', u.id) FROM users u`,
  json_build_array: (s) => `SELECT json_build_array(${s.e}) FROM users u`,
  "json_agg": (s) => `SELECT json_agg(${s.e}) FROM users u`,
  "row_to_json of a subquery row": (s) => `SELECT row_to_json(t) FROM (SELECT ${s.e} AS v FROM users u) t`,
  "ARRAY subquery": (s) => `SELECT ARRAY(SELECT ${s.e} FROM users u)`,
  "ARRAY constructor": (s) => `SELECT ARRAY[${s.e}, 'x'] FROM users u`,
  "array_agg": (s) => `SELECT array_agg(${s.e}) FROM users u`,
  "ROW constructor": (s) => `SELECT ROW(u.id, ${s.e}) FROM users u`,
  format: (s) => `SELECT format('%s!%s', u.id, ${s.e}) FROM users u`,
  concat: (s) => `SELECT concat(u.name, ${s.e}) FROM users u`,
  string_agg: (s) => `SELECT string_agg(${s.e}, ',') FROM users u`,
  "string_agg ordered": (s) => `SELECT string_agg(u.name, ',' ORDER BY ${s.e}) FROM users u`,
  "min/max aggregate": (s) => `SELECT min(${s.e}), max(${s.e}) FROM users u`,
  "aggregate FILTER": (s) => `SELECT max(${s.e}) FILTER (WHERE u.id > 0) FROM users u`,
  "group by": (s) => `SELECT ${s.e}, count(*) FROM users u GROUP BY 1`,
  "group by rollup": (s) => `SELECT ${s.bare}, count(*) FROM users GROUP BY ROLLUP (${s.bare})`,
  cast: (s) => `SELECT CAST(${s.e} AS text) FROM users u`,
  "cast to json": (s) => `SELECT to_jsonb(${s.e}) FROM users u`,
  "CASE result": (s) => `SELECT CASE WHEN u.id > 0 THEN ${s.e} ELSE 'none' END FROM users u`,
  "CASE ELSE": (s) => `SELECT CASE WHEN u.id < 0 THEN 'none' ELSE ${s.e} END FROM users u`,
  "COALESCE with another column": (s) => `SELECT coalesce(NULL, ${s.e}, u.name) FROM users u`,
  UNION: (s) => `SELECT ${s.e} FROM users u UNION SELECT 'x'`,
  "UNION, masked second": (s) => `SELECT 'x' AS v UNION ALL SELECT ${s.e} FROM users u`,
  INTERSECT: (s) => `SELECT ${s.e} FROM users u INTERSECT SELECT ${s.e} FROM users u`,
  EXCEPT: (s) => `SELECT ${s.e} FROM users u EXCEPT SELECT name FROM users`,
  "set operation in a subquery": (s) => `SELECT * FROM (SELECT name FROM users UNION ALL SELECT ${s.e} FROM users u) t`,
  VALUES: (s) => `VALUES ((SELECT ${s.e} FROM users u LIMIT 1))`,
  "VALUES in FROM": (s) => `SELECT * FROM (VALUES (1, (SELECT ${s.e} FROM users u ORDER BY u.id LIMIT 1))) v(a, b)`,
  "window function": (s) => `SELECT first_value(${s.e}) OVER (ORDER BY u.id) FROM users u`,
  "window lag": (s) => `SELECT u.id, lag(${s.e}) OVER w FROM users u WINDOW w AS (ORDER BY u.id)`,
  "window aggregate": (s) => `SELECT max(${s.e}) OVER () FROM users u`,
  "functional notation": (s) => `SELECT ${s.col}(u) FROM users u`,
  "functional notation on the table name": (s) => `SELECT ${s.col}(users) FROM users`,
  "field of a whole-row subquery column": (s) => `SELECT (t.r).${s.col} FROM (SELECT u AS r FROM users u) t`,
  "field of a whole-row column": (s) => `SELECT (r).${s.col} FROM users u, LATERAL (SELECT u) x(r)`,
  "table alias column list": (s) => `SELECT c FROM users AS u(a, b, c, d) WHERE ${s.col === "email" ? "true" : "false"} UNION ALL SELECT d FROM users AS u(a, b, c, d)`,
  "table alias column list, renamed": (s) => `SELECT ${s.col === "email" ? "c" : "d"} AS id FROM users u(a, b, c, d)`,
  "table alias partial column list": (s) => `SELECT x.${s.col} FROM users x(i, n)`,
  "join alias": (s) => `SELECT j.${s.col} FROM (users JOIN orders USING (id)) AS j`,
  "join alias with column list": (s) => `SELECT j.${s.col === "email" ? "e" : "s"} FROM (users u JOIN (SELECT id FROM orders) o USING (id)) AS j(i, n, e, s)`,
  "USING join alias": (s) => `SELECT u.${s.col}, j.id FROM users u JOIN orders o USING (id) AS j`,
  "CTE named like a table": (s) => `WITH orders AS (SELECT ${s.e} AS note FROM users u) SELECT note FROM orders`,
  "CTE named like the table, other columns": (s) => `WITH users AS (SELECT u.id, ${s.e} AS name FROM public.users u) SELECT name FROM users`,
  "CTE in a nested scope": (s) => `WITH x AS (SELECT ${s.e} AS n FROM users u) SELECT (WITH y AS (SELECT n FROM x) SELECT n FROM y LIMIT 1)`,
  "TABLE in FROM": (s) => `SELECT t.${s.col} FROM (TABLE users) t`,
  "ONLY and inheritance star": (s) => `SELECT ${s.col} FROM ONLY users UNION ALL SELECT ${s.col} FROM users*`,
  "function in FROM named like a column": (s) => `SELECT ${s.col} FROM users u, upper(u.${s.col}) AS ${s.col === "email" ? "name" : "age"}`,
  "function in FROM with alias": (s) => `SELECT f FROM users u, LATERAL lower(u.${s.col}) AS f`,
  "keyword-like column names": (s) => `SELECT "current_user", system_user FROM (SELECT ${s.e} AS "current_user", u.${s.col} AS system_user FROM users u) t`,
  "system_user as a column": (s) => `SELECT system_user FROM (SELECT ${s.e} AS system_user FROM users u) s`,
  "error of a cast to regclass": (s) => `SELECT u.id FROM users u WHERE (${s.e})::regclass IS NULL`,
  "error of a cast to a domain": (s) => `SELECT u.id FROM users u WHERE (${s.e})::regtype IS NULL`,
  "error of xml parsing": (s) => `SELECT u.id FROM users u WHERE xmlparse(document ${s.e}) IS NULL`,
  "error of a json path": (s) => `SELECT u.id FROM users u WHERE jsonb_path_exists('{}', (${s.e})::jsonpath)`,
  "FULL JOIN USING the masked column": (s) => `SELECT ${s.bare} FROM users a FULL JOIN users b USING (${s.col})`,
  "NATURAL FULL JOIN": () => `SELECT * FROM users a NATURAL FULL JOIN users b`,
  "FULL JOIN USING through a subquery": (s) => `SELECT t.${s.col} FROM (SELECT ${s.col} FROM users a FULL JOIN (SELECT ${s.col} FROM users) b USING (${s.col})) t`,
  "LEFT and RIGHT JOIN USING": (s) => `SELECT ${s.bare} FROM users a LEFT JOIN users b USING (${s.col}) RIGHT JOIN users c USING (${s.col})`,
  "join alias of a FULL JOIN": (s) => `SELECT j.${s.col} FROM (users a FULL JOIN users b USING (${s.col})) AS j`,
  "grouping sets": (s) => `SELECT ${s.bare}, count(*) FROM users GROUP BY GROUPING SETS ((${s.bare}), ())`,
  "DISTINCT ON": (s) => `SELECT DISTINCT ON (u.id) ${s.e} FROM users u ORDER BY u.id`,
  "planner statistics": () => [`ANALYZE users`, `SELECT histogram_bounds::text, most_common_vals::text FROM pg_stats WHERE tablename = 'users'`],
  "planner statistics, spelled otherwise": (s) => [`ANALYZE users (${s.col})`, `SELECT s.* FROM "pg_catalog"."pg_stats" s WHERE s.tablename = 'users'`],
  "planner statistics in a subquery": () => [`ANALYZE users`, `SELECT (SELECT array_agg(histogram_bounds::text) FROM PG_STATS)`],
  "planner statistics through a CTE": () => [`ANALYZE users`, `WITH st AS (TABLE pg_stats) SELECT histogram_bounds::text FROM st WHERE tablename = 'users'`],
  "xml of a cursor": (s) => `BEGIN; DECLARE x${s.n} CURSOR FOR SELECT u.${s.col} FROM users u; SELECT cursor_to_xml('x${s.n}', 10, false, false, ''); COMMIT`,
  "xml of a table": () => `SELECT table_to_xml('users', false, false, '')`,
  "copy of the whole table": (s) => [`CREATE TEMP TABLE w${s.n} AS TABLE users`, `SELECT * FROM w${s.n}`, `DROP TABLE IF EXISTS w${s.n}`],
  "SELECT * INTO a copy": (s) => [`SELECT * INTO TEMP w${s.n} FROM users`, `TABLE w${s.n}`, `DROP TABLE IF EXISTS w${s.n}`],
  "view of the whole table": (s) => [`CREATE TEMP VIEW w${s.n} AS TABLE users`, `SELECT ${s.col} FROM w${s.n}`, `DROP VIEW IF EXISTS w${s.n}`],
  "inheriting table": (s) => [`CREATE TEMP TABLE w${s.n} () INHERITS (users)`, `INSERT INTO w${s.n} SELECT * FROM users`, `SELECT ${s.col} FROM w${s.n}`, `DROP TABLE IF EXISTS w${s.n}`],
  "SQL function over the table": (s) => [`CREATE FUNCTION pg_temp.w${s.n}() RETURNS SETOF users LANGUAGE sql AS 'SELECT * FROM users'`, `SELECT ${s.col} FROM pg_temp.w${s.n}()`, `DROP FUNCTION IF EXISTS pg_temp.w${s.n}()`],
  "temporary table shadowing another": (s) => [`CREATE TEMP TABLE orders AS SELECT id, ${s.col} AS note FROM users`, `SELECT note FROM orders`, `DROP TABLE IF EXISTS pg_temp.orders`],
  "COPY of TABLE": () => `COPY (TABLE users) TO STDOUT`,
  "COPY binary": () => `COPY users TO STDOUT (FORMAT binary)`,
  "whole row": () => `SELECT u FROM users u`,
  "whole row as text": () => `SELECT u::text FROM users u`,
  "whole row to json": () => `SELECT row_to_json(u) FROM users u`,
  "whole row expanded": () => `SELECT (u).* FROM users u`,
  "table star through subquery": () => `SELECT t FROM (SELECT * FROM users) t`,
  "RETURNING of UPDATE": (s) => `UPDATE users u SET age = age WHERE u.id = 1 RETURNING ${s.e}`,
  "RETURNING subquery": (s) => `UPDATE orders SET amount = amount WHERE id = 1 RETURNING (SELECT ${s.e} FROM users u WHERE u.id = 1)`,
  "RETURNING of INSERT": (s) => `INSERT INTO orders (id, user_id, amount, note) VALUES (${1000 + s.n}, 1, 1, 'x') RETURNING (SELECT ${s.e} FROM users u LIMIT 1)`,
  "RETURNING of DELETE": (s) => `DELETE FROM orders WHERE id = -${s.n} RETURNING (SELECT ${s.e} FROM users u LIMIT 1)`,
  "INSERT of the value, read back": (s) =>
    `INSERT INTO orders (id, user_id, amount, note) SELECT ${2000 + s.n}, 1, 1, ${s.e} FROM users u WHERE u.id = 1; SELECT note FROM orders WHERE id = ${2000 + s.n}`,
  "COPY query": (s) => `COPY (SELECT ${s.e} FROM users u) TO STDOUT`,
  "COPY query csv": (s) => `COPY (SELECT u.id, ${s.e} FROM users u) TO STDOUT WITH (FORMAT csv, HEADER)`,
  "COPY table": () => `COPY users TO STDOUT`,
  "COPY columns": (s) => `COPY users (id, ${s.col}) TO STDOUT`,
  cursor: (s) => `BEGIN; DECLARE c${s.n} CURSOR FOR SELECT ${s.e} FROM users u; FETCH ALL FROM c${s.n}; COMMIT`,
  "cursor moved": (s) => `BEGIN; DECLARE c${s.n} SCROLL CURSOR FOR SELECT u.id, ${s.e} FROM users u; MOVE LAST IN c${s.n}; FETCH PRIOR FROM c${s.n}; COMMIT`,
  "cursor with hold": (s) => `DECLARE c${s.n} CURSOR WITH HOLD FOR SELECT ${s.e} FROM users u; FETCH 2 FROM c${s.n}; CLOSE c${s.n}`,
  "PREPARE/EXECUTE": (s) => [`PREPARE p${s.n} AS SELECT ${s.e} FROM users u`, `EXECUTE p${s.n}`, `DEALLOCATE p${s.n}`],
  "PREPARE/EXECUTE in one message": (s) => `PREPARE p${s.n} AS SELECT ${s.e} FROM users u; EXECUTE p${s.n}; DEALLOCATE p${s.n}`,
  "PREPARE with a parameter": (s) => [`PREPARE p${s.n}(int) AS SELECT ${s.e} FROM users u WHERE u.id = $1`, `EXECUTE p${s.n}(1)`, `DEALLOCATE p${s.n}`],
  "cursor, one message per step": (s) => ["BEGIN", `DECLARE c${s.n} CURSOR FOR SELECT u.id, ${s.e} FROM users u`, `FETCH 2 FROM c${s.n}`, `FETCH ALL FROM c${s.n}`, "COMMIT"],
  "EXPLAIN ANALYZE VERBOSE": (s) => `EXPLAIN (ANALYZE, VERBOSE) SELECT ${s.e} FROM users u`,
  "EXPLAIN ANALYZE filter": (s) => `EXPLAIN (ANALYZE, VERBOSE, COSTS OFF) SELECT u.id FROM users u WHERE ${s.e} IS NOT NULL`,
  "EXPLAIN ANALYZE json": (s) => `EXPLAIN (ANALYZE 1, VERBOSE on, FORMAT JSON) SELECT ${s.e} FROM users u`,
  notification: (s) => [`LISTEN leak${s.n}`, `SELECT pg_notify('leak${s.n}', ${s.e}) FROM users u`, `UNLISTEN leak${s.n}`],
  "notification from a filter": (s) => [`LISTEN leak${s.n}`, `SELECT u.id FROM users u WHERE (SELECT pg_notify('leak${s.n}', ${s.e})) IS NULL`, `UNLISTEN leak${s.n}`],
  "notification under EXPLAIN ANALYZE": (s) => [`LISTEN leak${s.n}`, `EXPLAIN ANALYZE SELECT pg_notify('leak${s.n}', ${s.e}) FROM users u`, `UNLISTEN leak${s.n}`],
  "setting, read back": (s) => [`SELECT set_config('leak.v${s.n}', ${s.e}, false) IS NULL FROM users u WHERE u.id = 1`, `SELECT current_setting('leak.v${s.n}')`],
  "large object, read back": (s) => [`SELECT lo_from_bytea(${900000 + s.n}, convert_to(${s.e}, 'UTF8')) FROM users u WHERE u.id = 1`, `SELECT convert_from(lo_get(${900000 + s.n}), 'UTF8')`, `SELECT lo_unlink(${900000 + s.n})`],
  "error of a cast in WHERE": (s) => `SELECT u.id FROM users u WHERE (${s.e})::int > 0`,
  "error of a cast in ORDER BY": (s) => `SELECT u.id FROM users u ORDER BY (${s.e})::numeric`,
  "error of a cast in JOIN": (s) => `SELECT o.id FROM orders o JOIN users u ON o.id = (${s.e})::int`,
  "error of a cast in GROUP BY": (s) => `SELECT count(*) FROM users u GROUP BY (${s.e})::date`,
  "error of a cast in HAVING": (s) => `SELECT count(*) FROM users u HAVING max(${s.e})::int > 0`,
  "error of a cast in LIMIT": (s) => `SELECT 1 LIMIT (SELECT (${s.e})::int FROM users u LIMIT 1)`,
  "error of a cast in IN": (s) => `SELECT id FROM orders WHERE id IN (SELECT (${s.e})::int FROM users u)`,
  "error of a json parse": (s) => `SELECT u.id FROM users u WHERE (${s.e})::json IS NULL`,
  "error of a date parse": (s) => `SELECT u.id FROM users u WHERE to_date(${s.e}, 'YYYY') IS NULL`,
  "error from a CHECK on a write": (s) => `UPDATE orders SET amount = (SELECT (${s.e})::numeric FROM users u LIMIT 1) WHERE id = 1`,
  "table function over the value": (s) => `SELECT * FROM regexp_split_to_table((SELECT ${s.e} FROM users u LIMIT 1), '@')`,
  "json_each over the value": (s) => `SELECT * FROM json_each_text((SELECT json_build_object('k', ${s.e}) FROM users u LIMIT 1))`,
  "ROWS FROM": (s) => `SELECT * FROM ROWS FROM (unnest(ARRAY[(SELECT ${s.e} FROM users u LIMIT 1)])) r`,
  "temporary table copy": (s) => `CREATE TEMP TABLE t${s.n} AS SELECT ${s.e} AS v FROM users u; SELECT * FROM t${s.n}; DROP TABLE t${s.n}`,
  "temporary view": (s) => `CREATE TEMP VIEW v${s.n} AS SELECT ${s.e} AS v FROM users u; SELECT * FROM v${s.n}; DROP VIEW v${s.n}`,
  "SELECT INTO": (s) => `SELECT ${s.e} AS v INTO TEMP t${s.n} FROM users u; TABLE t${s.n}; DROP TABLE t${s.n}`,
};

export const POSITION_NAMES = Object.keys(POSITIONS);

/** Every transformation of both columns in the plain select list: to check the search recognises each. */
export function transformChecks(): GeneratedQuery[] {
  return TRANSFORMS.flatMap((t, i) => ["email", "ssn"].map((col) => ({ position: `transformation ${i}`, sql: `SELECT ${t(`u.${col}`)} FROM users u` })));
}

/** `count` queries from `rng`, positions visited in turn so every one appears in a small sample. */
export function generatePositions(rng: Rng, count: number, first = 0): GeneratedQuery[] {
  const out: GeneratedQuery[] = [];
  for (let i = 0; i < count; i++) {
    const n = first + i;
    const position = POSITION_NAMES[n % POSITION_NAMES.length]!;
    const col = rng.pick(["email", "ssn"]);
    // The bare column most often: a plain reference is what the gateway masks on the wire, from the
    // origin the server reports, so it is where the analyzer and the server must agree the most.
    const transform = rng.chance(0.4) ? (x: string) => x : rng.pick(TRANSFORMS);
    const e = transform(rng.pick(REFERENCES)(col));
    const bare = transform(rng.chance(0.5) ? col : `"${col}"`);
    const made = POSITIONS[position]!({ col, e, bare, n });
    const protocol = rng.pick<Protocol>(["simple", "simple", "simple", "extended text", "extended binary", "extended, one row per Execute", "named, executed twice"]);
    if (typeof made !== "string") out.push({ position, sql: made.join("; "), steps: made });
    else if (made.includes(";") || protocol === "simple") out.push({ position, sql: made });
    else out.push({ position, sql: made, protocol });
  }
  return out;
}
