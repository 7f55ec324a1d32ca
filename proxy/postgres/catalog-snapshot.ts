import { performance } from "node:perf_hooks";
import type { TargetFacts } from "../../engine/actions/index.js";
import { CatalogIndex, type CatalogRelation, type RelationKind, type SqlCatalog, type Volatility } from "../../engine/actions/sql/catalog.js";
import type { Verdict } from "../../engine/decide.js";
import type { ColumnCatalog } from "./catalog.js";
import { messageOf } from "../../engine/errors.js";

/**
 * The target's catalog as the SQL analyzer needs it (every relation with its columns, every function with
 * its volatility, the search path), read once on the gateway's own catalog connection and indexed once:
 * a statement only looks names up in it. It lives in the ColumnCatalog's cache, so it is read again after
 * DDL through the gateway (`invalidate()`) and when the cache entry expires.
 */

const RELATIONS = `
  SELECT n.nspname AS schema, c.relname AS name, c.relkind::text AS kind,
         coalesce(array_agg(a.attname::text ORDER BY a.attnum) FILTER (WHERE a.attnum IS NOT NULL), '{}') AS columns
    FROM pg_catalog.pg_class c
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
   WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
     AND n.nspname NOT LIKE 'pg\\_temp\\_%' AND n.nspname NOT LIKE 'pg\\_toast%'
   GROUP BY n.nspname, c.relname, c.relkind`;

const FUNCTIONS = `
  SELECT DISTINCT n.nspname AS schema, p.proname AS name, p.provolatile::text AS volatility
    FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace`;

// Without the implicit temporary schema: the gateway's connection is not the client's session.
const SEARCH_PATH = `SELECT current_schemas(true)::text[] AS path`;

const KINDS: Record<string, RelationKind> = { r: "table", p: "partitioned table", v: "view", m: "materialized view", f: "foreign table" };
const VOLATILITY: Record<string, Volatility> = { i: "immutable", s: "stable", v: "volatile" };

/** How long the last load took, for the operator (and the tests that measure it). */
export const snapshotTimings = { lastLoadMs: 0, loads: 0 };

/** Reads the whole catalog from the target. */
export async function readCatalog(catalog: ColumnCatalog): Promise<SqlCatalog> {
  const t0 = performance.now();
  const [relations, functions, path] = await Promise.all([
    catalog.rows<{ schema: string; name: string; kind: string; columns: string[] }>(RELATIONS, []),
    catalog.rows<{ schema: string; name: string; volatility: string }>(FUNCTIONS, []),
    catalog.rows<{ path: string[] }>(SEARCH_PATH, []),
  ]);
  const result: SqlCatalog = {
    relations: relations.map((r): CatalogRelation => ({ schema: r.schema, name: r.name, kind: KINDS[r.kind] ?? "other", columns: r.columns })),
    functions: functions.map((f) => ({ schema: f.schema, name: f.name, volatility: VOLATILITY[f.volatility] ?? "volatile" })),
    searchPath: path[0]?.path ?? [],
  };
  snapshotTimings.lastLoadMs = performance.now() - t0;
  snapshotTimings.loads += 1;
  return result;
}

const inflight = new WeakMap<ColumnCatalog, Promise<CatalogIndex>>();

/** The indexed catalog of a target: cached, loaded by one caller at a time. */
export function catalogSnapshot(catalog: ColumnCatalog): Promise<CatalogIndex> {
  return catalog.cached("snapshot", () => {
    const running = inflight.get(catalog);
    if (running) return running;
    const load = readCatalog(catalog)
      .then((c) => new CatalogIndex(c))
      .finally(() => inflight.delete(catalog));
    inflight.set(catalog, load);
    return load;
  });
}

/** Sessions that changed their search path or may hold temporary tables the snapshot cannot see. */
const diverged = new WeakSet<object>();

/** The session set its search path another way (at login): its unqualified names are not resolved by the snapshot's path. */
export function searchPathDiverged(session: object): void {
  diverged.add(session);
}

/**
 * Text that may change how the session resolves unqualified names: temporary tables, search_path, or
 * set_config. A cheap over-approximation, looked at before the statement is decided.
 */
const DIVERGING_TEXT = /temp|search_path|set_config|u&/i;

/**
 * The facts to decide a request with. Without a snapshot (the target's catalog unreachable) none: the
 * analyzer then attributes names to every candidate. For a session whose unqualified names may resolve
 * elsewhere than the snapshot's search path, unqualified relation names are left unresolved.
 */
export async function targetFacts(catalog: ColumnCatalog, session: object, sql: string, log: (line: string) => void): Promise<TargetFacts> {
  let index: CatalogIndex;
  try {
    index = await catalogSnapshot(catalog);
  } catch (error) {
    log(`catalog snapshot could not be read, resolving names conservatively: ${messageOf(error)}`);
    return {};
  }
  if (DIVERGING_TEXT.test(sql)) diverged.add(session);
  return { catalog: diverged.has(session) ? index.uncertainSearchPath() : index };
}

/**
 * True when a decided request changes name resolution in ways the text check may have missed (a DDL
 * statement makes relations the snapshot does not hold yet, a setting of search_path): the request is
 * then decided again without trusting unqualified names. DDL is not sticky: the snapshot is read again.
 */
export function decidedOnStaleNames(facts: TargetFacts, session: object, verdict: Verdict): boolean {
  if (!facts.catalog?.searchPathCertain || verdict.action.kind !== "sql") return false;
  const statements = verdict.action.statements;
  if (statements.some((s) => s.setting?.name === "search_path" || s.functions.some((f) => f.endsWith("set_config")))) diverged.add(session);
  return diverged.has(session) || statements.some((s) => s.category === "ddl");
}
