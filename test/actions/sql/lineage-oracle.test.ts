import type pg from "pg";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Rng } from "../../../bench/policy/rng.js";
import { normalizeSql, type CatalogIndex, type ColumnUse } from "../../../engine/actions/sql/index.js";
import { ColumnCatalog } from "../../../proxy/postgres/catalog.js";
import { catalogSnapshot } from "../../../proxy/postgres/catalog-snapshot.js";
import { randomSelects } from "../../support/lineage/random-selects.js";
import { generatePositions, POSITION_NAMES } from "../../support/leaks/positions.js";
import { sqlsmithAvailable, sqlsmithQueries } from "../../support/leaks/sqlsmith.js";
import { DEMO_SCHEMA } from "../../support/pg-gateway.js";
import { startPostgres, type RunningPostgres } from "../../support/postgres.js";

/**
 * The server is the oracle for column lineage. Each generated SELECT over the demo schema becomes a
 * temporary view: PostgreSQL records in pg_depend every column the view's query references (a whole-row
 * reference as the whole table), and reports in RowDescription which table column each result column
 * is. The analyzer, given the same server's catalog, must name every column the server says is
 * referenced (and at least as a value, never as a mere filter, every column the server says is
 * returned): a column it misses is one whose masking it would skip. Where it names more, it
 * over-approximates (fail closed); equality is measured and reported.
 */

const SEED = Number(process.env.ORACLE_SEED ?? 20261205);
const COUNT = Number(process.env.ORACLE_COUNT ?? 800);
const TABLE_COLUMNS: Record<string, string[]> = {};

let server: RunningPostgres;
let client: pg.Client;
let catalog: ColumnCatalog;
let index: CatalogIndex;
const names = new Map<number, string>();

test.before(async () => {
  server = await startPostgres({ users: [{ name: "gateway", password: "unused-here" }], initSql: DEMO_SCHEMA });
  client = await server.connect();
  catalog = new ColumnCatalog({ type: "postgres", name: "oracle", tags: {}, host: server.host, port: server.port, database: server.database, user: server.superuser, password: server.password, tls: "disable" });
  index = await catalogSnapshot(catalog);
  const r = await client.query<{ oid: number; relname: string; columns: string[] }>(
    `SELECT c.oid::int AS oid, c.relname, array_agg(a.attname::text ORDER BY a.attnum) AS columns
       FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
      WHERE c.relname IN ('users', 'orders') AND c.relnamespace = 'public'::regnamespace GROUP BY c.oid, c.relname`,
  );
  for (const row of r.rows) {
    names.set(row.oid, row.relname);
    TABLE_COLUMNS[row.relname] = row.columns;
  }
});
test.after(async () => {
  await client?.end();
  await catalog?.close();
  await server?.stop();
});

/** `table.column` for every column a use stands for (`*` is every column, no table is every table with that name). */
function expand(table: string | null, column: string): string[] {
  const tables = table === null ? Object.keys(TABLE_COLUMNS).filter((t) => column === "*" || TABLE_COLUMNS[t]!.includes(column)) : [table];
  return tables.flatMap((t) => (column === "*" ? (TABLE_COLUMNS[t] ?? []) : [column]).map((c) => `${t}.${c}`));
}

function analyzerColumns(uses: ColumnUse[], usages: ReadonlySet<string>): Set<string> {
  const out = new Set<string>();
  for (const u of uses) {
    if (!usages.has(u.usage)) continue;
    if (u.table !== null && u.table.schema !== null && u.table.schema !== "public") continue;
    if (u.table !== null && !(u.table.name in TABLE_COLUMNS)) continue;
    for (const c of expand(u.table?.name ?? null, u.column)) out.add(c);
  }
  return out;
}

/** The default policy's masked columns. */
const MASKED = ["users.email", "users.ssn"];

/**
 * The table columns a plan reads, from EXPLAIN (VERBOSE, FORMAT JSON): every expression in the plan
 * writes a column as `alias.column` (`alias.*` for a whole row), the scan nodes say which table each
 * alias is, and the view's definition gives an alias's column list (`users u(a, b)` calls email `c`
 * nowhere but there). A subquery column no level uses is printed as NULL: unlike pg_depend, the plan
 * does not count it. A scan below a join or a hash may emit every column of the table (it saves a
 * projection): its own Output is left out, since the node above lists what it really uses.
 */
function planColumns(plan: unknown, viewdef: string): Set<string> {
  const aliases = new Map<string, { table: string; columns: string[] }>();
  const listed = new Map<string, string[]>();
  for (const m of viewdef.matchAll(/\b(?:public\.)?(users|orders)\s+(?:AS\s+)?(\w+)\(([^)]*)\)/g)) listed.set(m[2]!, m[3]!.split(",").map((c) => c.trim()));
  const texts: string[] = [];
  const visit = (node: unknown, parent: Record<string, unknown> | undefined): void => {
    if (Array.isArray(node)) return node.forEach((n) => visit(n, parent));
    if (typeof node !== "object" || node === null) return;
    const n = node as Record<string, unknown>;
    const table = n["Relation Name"];
    const isScan = typeof table === "string" && typeof n.Alias === "string";
    if (isScan && table in TABLE_COLUMNS) {
      const names = listed.get(n.Alias as string) ?? [];
      aliases.set(n.Alias as string, { table, columns: TABLE_COLUMNS[table]!.map((c, i) => names[i] ?? c) });
    }
    const projectionSaved = isScan && parent !== undefined && (n["Parent Relationship"] === "Outer" || n["Parent Relationship"] === "Inner");
    for (const [key, value] of Object.entries(n)) {
      if (key === "Plans" || key === "Plan") visit(value, "Node Type" in n ? n : parent);
      else if (!(key === "Output" && projectionSaved)) texts.push(JSON.stringify(value));
    }
  };
  visit(plan, undefined);
  const read = new Set<string>();
  for (const m of texts.join(" ").matchAll(/\b([a-z_][a-z0-9_]*)\.([a-z_][a-z0-9_]*|\*)/g)) {
    const alias = aliases.get(m[1]!);
    if (!alias) continue;
    if (m[2] === "*") for (const c of TABLE_COLUMNS[alias.table]!) read.add(`${alias.table}.${c}`);
    const i = alias.columns.indexOf(m[2]!);
    if (i >= 0) read.add(`${alias.table}.${TABLE_COLUMNS[alias.table]![i]}`);
  }
  return read;
}

interface ServerLineage {
  /** Every table column the plan reads (unused subquery columns left out). */
  read: Set<string>;
  /** Every table column the query's text references, by pg_depend (unused subquery outputs included). */
  referenced: Set<string>;
  /** The table column each result column is, by RowDescription (only for plain references). */
  returned: Set<string>;
}

/** What the server says about `sql`, or undefined when it rejects the query. */
async function serverLineage(sql: string): Promise<ServerLineage | undefined> {
  await client.query("BEGIN");
  try {
    // Result columns are renamed: a query may return two columns of one name, a view may not.
    const fields = (await client.query(`SELECT * FROM (${sql}) oracle_query LIMIT 0`)).fields;
    const columns = fields.map((_, i) => `v${i}`).join(", ");
    await client.query(`CREATE TEMP VIEW oracle_view (${columns}) AS ${sql}`);
    const deps = await client.query<{ oid: number; subid: number }>(
      `SELECT refobjid::int AS oid, refobjsubid AS subid FROM pg_depend
        WHERE classid = 'pg_rewrite'::regclass AND refclassid = 'pg_class'::regclass
          AND objid = (SELECT oid FROM pg_rewrite WHERE ev_class = 'oracle_view'::regclass)
          AND refobjid <> 'oracle_view'::regclass`,
    );
    const referenced = new Set<string>();
    for (const d of deps.rows) {
      const table = names.get(d.oid);
      // Sub-id 0 is the relation itself, recorded for every table in FROM (a whole-row reference too,
      // which the plan shows as `alias.*`).
      if (table && d.subid > 0) referenced.add(`${table}.${TABLE_COLUMNS[table]![d.subid - 1]}`);
    }
    const returned = new Set<string>();
    for (const f of fields) {
      const table = names.get(f.tableID);
      if (table && f.columnID > 0) returned.add(`${table}.${TABLE_COLUMNS[table]![f.columnID - 1]}`);
    }
    const viewdef = (await client.query<{ def: string }>("SELECT pg_get_viewdef('oracle_view'::regclass) AS def")).rows[0]!.def;
    const plan = await client.query<{ "QUERY PLAN": unknown }>(`EXPLAIN (VERBOSE, FORMAT JSON) ${sql}`);
    return { referenced, returned, read: planColumns(plan.rows[0]!["QUERY PLAN"], viewdef) };
  } catch (error) {
    if (process.env.ORACLE_DEBUG) console.log(`rejected: ${String(error).slice(0, 100)}`);
    return undefined;
  } finally {
    await client.query("ROLLBACK");
  }
}

const VALUE = new Set(["output", "derived"]);
const ANY = new Set(["output", "derived", "filter", "write"]);

interface Comparison {
  valid: number;
  /** The analyzer names exactly the columns the server references. */
  equal: number;
  /** Queries where the analyzer names fewer columns than the server references. */
  fewer: string[];
  /** Queries where a column the server returns as a plain column is not a value to the analyzer. */
  notValues: string[];
  /** Queries where the plan reads a masked column the analyzer does not name. */
  maskedUnread: string[];
}

async function compare(queries: string[]): Promise<Comparison> {
  const result: Comparison = { valid: 0, equal: 0, fewer: [], notValues: [], maskedUnread: [] };
  for (const sql of queries) {
    const server = await serverLineage(sql);
    if (!server) continue;
    result.valid += 1;
    const action = normalizeSql(sql, { catalog: index });
    assert.is(action.parse_error, undefined, `${sql}: ${action.parse_error?.message}`);
    const uses = action.statements.flatMap((s) => s.columns);
    const referenced = analyzerColumns(uses, ANY);
    const asValue = analyzerColumns(uses, VALUE);
    const notReferenced = [...server.referenced].filter((c) => !referenced.has(c));
    const notAsValue = [...server.returned].filter((c) => !asValue.has(c));
    if (notReferenced.length > 0) result.fewer.push(`${sql}\n    the server references ${[...server.referenced].sort().join(", ")}; the analyzer misses ${notReferenced.join(", ")}`);
    if (notAsValue.length > 0) result.notValues.push(`${sql}\n    returned as plain columns, not values to the analyzer: ${notAsValue.join(", ")}`);
    if (referenced.size === server.referenced.size && notReferenced.length === 0) result.equal += 1;
    const maskedMissed = MASKED.filter((c) => server.read.has(c) && !referenced.has(c));
    if (maskedMissed.length > 0) result.maskedUnread.push(`${sql}\n    the plan reads ${maskedMissed.join(", ")}, which the analyzer does not name`);
  }
  return result;
}

test("name resolution: the analyzer names every column PostgreSQL references, for random nested SELECTs", async () => {
  const queries = randomSelects(new Rng(SEED), COUNT);
  const r = await compare(queries);
  console.log(`lineage oracle, name resolution: ${queries.length} generated, ${r.valid} accepted by the server, analyzer ⊇ server for ${r.valid - r.fewer.length}, equal for ${r.equal}`);
  const missed = [...r.fewer, ...r.notValues, ...r.maskedUnread];
  assert.equal(missed, [], `the analyzer missed columns the server references:\n${missed.slice(0, 20).join("\n")}`);
  assert.ok(r.valid >= queries.length * 0.3, `only ${r.valid} of ${queries.length} generated queries were valid: the corpus tests too little`);
});

test("every column PostgreSQL returns as a plain table column is a value to the analyzer (leak positions, SQLsmith)", async () => {
  assert.ok(await sqlsmithAvailable(), "sqlsmith is not installed (scripts/setup.sh installs it)");
  const positions = generatePositions(new Rng(SEED), 3 * POSITION_NAMES.length).filter((q) => !q.steps && /^(SELECT|WITH|VALUES)\b/.test(q.sql));
  const smith = (await sqlsmithQueries(server, SEED, 300)).filter((q) => /^(select|with)\b/i.test(q.sql));
  const queries = [...positions, ...smith].map((q) => q.sql);
  const r = await compare(queries);
  // These queries compute columns no level uses (SQLsmith's subqueries, a position's helper column):
  // pg_depend still records them, the analyzer rightly not. So the masked columns are compared with
  // what the plan reads, and what is returned with RowDescription; the pg_depend count is reported.
  console.log(`lineage oracle, positions and SQLsmith: ${queries.length} generated, ${r.valid} accepted, masked columns read covered for ${r.valid - r.maskedUnread.length}, returned columns covered for ${r.valid - r.notValues.length}, pg_depend equal for ${r.equal}, fewer than pg_depend (unused subquery columns) for ${r.fewer.length}`);
  const missed = [...r.maskedUnread, ...r.notValues];
  assert.equal(missed, [], missed.slice(0, 20).join("\n"));
  assert.ok(r.valid >= queries.length * 0.3, `only ${r.valid} of ${queries.length} queries were valid: the corpus tests too little`);
});

test.run();
