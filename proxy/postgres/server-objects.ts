import type { RelationName } from "../../engine/actions/sql/types.js";
import type { ColumnCatalog } from "./catalog.js";

/**
 * What the server itself holds behind a name in a statement, which its text cannot show: the columns
 * a view or materialized view reads (through the views it reads in turn), the tables a table inherits
 * from, and the functions defined in the database rather than built in. Looked up with the gateway's
 * own catalog connection and cached with the catalog; a name not found is looked up again next time.
 */

/** A table column a view reads, with the tables that column's table inherits from. */
export interface ColumnRead {
  tableOid: number;
  /** 0 is a whole row. */
  attributeNumber: number;
  column: string | null;
  ancestors: number[];
}

/** A relation of a statement as the catalog has it. */
export interface RelationFacts {
  /** `schema.name`. */
  relation: string;
  kind: "table" | "view" | "materialized view" | "other";
  /** Every table it inherits from (as a child table or a partition), through every level. */
  ancestors: number[];
  /** For a view or materialized view: the table columns its query reads. */
  reads: ColumnRead[];
  /** For a view or materialized view: the functions defined in the database that its query calls. */
  functions: string[];
}

// Every relation of that name (any schema when the statement left it unqualified); what the query (ON
// SELECT rewrite rule) of the views among them depends on, through the views they read; and the
// ancestors of all of these. Objects made by initdb have OIDs below 16384 (FirstNormalObjectId): built
// in, and never recorded as dependencies, so a function dependency is always one defined in the database.
const RELATION = `
  WITH RECURSIVE named AS (
    SELECT c.oid, c.relkind, format('%I.%I', n.nspname, c.relname) AS relation
      FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relname = $2 AND ($1::text IS NULL OR n.nspname = $1)
  ),
  deps(root, classid, oid, attnum) AS (
    SELECT named.oid, 'pg_catalog.pg_class'::regclass::oid, named.oid, 0::int2 FROM named
    UNION
    SELECT deps.root, d.refclassid, d.refobjid, d.refobjsubid::int2
      FROM deps
      JOIN pg_catalog.pg_rewrite r ON r.ev_class = deps.oid AND r.ev_type = '1' AND deps.classid = 'pg_catalog.pg_class'::regclass
      JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_rewrite'::regclass AND d.objid = r.oid
     WHERE d.refclassid IN ('pg_catalog.pg_class'::regclass, 'pg_catalog.pg_proc'::regclass)
  ),
  up(start, oid) AS (
    SELECT DISTINCT deps.oid, deps.oid FROM deps WHERE deps.classid = 'pg_catalog.pg_class'::regclass
    UNION
    SELECT up.start, i.inhparent FROM up JOIN pg_catalog.pg_inherits i ON i.inhrelid = up.oid
  )
  SELECT named.oid::int8 AS oid, named.relkind::text AS relkind, named.relation,
         ARRAY(SELECT u.oid::int8 FROM up u WHERE u.start = named.oid AND u.oid <> named.oid) AS ancestors,
         deps.oid::int8 AS dep_oid, deps.attnum AS dep_attnum,
         (SELECT a.attname FROM pg_catalog.pg_attribute a WHERE a.attrelid = deps.oid AND a.attnum = deps.attnum AND deps.attnum > 0) AS dep_column,
         ARRAY(SELECT u.oid::int8 FROM up u WHERE u.start = deps.oid AND u.oid <> deps.oid) AS dep_ancestors,
         (SELECT format('%I.%I(%s)', pn.nspname, p.proname, pg_catalog.pg_get_function_identity_arguments(p.oid))
            FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace pn ON pn.oid = p.pronamespace
           WHERE deps.classid = 'pg_catalog.pg_proc'::regclass AND p.oid = deps.oid) AS dep_function
    FROM named LEFT JOIN deps ON deps.root = named.oid AND NOT (deps.oid = named.oid AND deps.classid = 'pg_catalog.pg_class'::regclass)`;

// Matched without regard to case: the action document lower-cases function names.
const FUNCTION = `
  SELECT format('%I.%I(%s)', n.nspname, p.proname, pg_catalog.pg_get_function_identity_arguments(p.oid)) AS signature,
         p.oid >= 16384 AS defined
    FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
   WHERE lower(p.proname) = $2 AND ($1::text IS NULL OR lower(n.nspname) = $1)`;

const KINDS: Record<string, RelationFacts["kind"]> = { r: "table", p: "table", v: "view", m: "materialized view" };

interface RelationRow {
  oid: string;
  relkind: string;
  relation: string;
  ancestors: string[];
  dep_oid: string | null;
  dep_attnum: number | null;
  dep_column: string | null;
  dep_ancestors: string[];
  dep_function: string | null;
}

/** Every relation a statement's name may be (any schema when unqualified), with what its query reads. */
export function relationFacts(catalog: ColumnCatalog, name: RelationName): Promise<RelationFacts[]> {
  return catalog.cached(`relation:${name.schema ?? ""}\u0000${name.name}`, async () => {
    const facts = new Map<string, RelationFacts>();
    for (const row of await catalog.rows<RelationRow>(RELATION, [name.schema, name.name])) {
      let fact = facts.get(row.oid);
      if (!fact) {
        fact = { relation: row.relation, kind: KINDS[row.relkind] ?? "other", ancestors: row.ancestors.map(Number), reads: [], functions: [] };
        facts.set(row.oid, fact);
      }
      if (row.dep_function) fact.functions.push(row.dep_function);
      else if (row.dep_oid !== null && row.dep_attnum !== null) {
        fact.reads.push({ tableOid: Number(row.dep_oid), attributeNumber: row.dep_attnum, column: row.dep_column, ancestors: row.dep_ancestors.map(Number) });
      }
    }
    return [...facts.values()];
  });
}

/** The functions defined in the database (not built in) that a called name may be: `schema.name(args)`. */
export async function definedFunctions(catalog: ColumnCatalog, called: string): Promise<string[]> {
  const parts = called.toLowerCase().split(".");
  const name = parts[parts.length - 1] ?? "";
  const schema = parts.length >= 2 ? parts[parts.length - 2]! : null;
  const found = await catalog.cached(`function:${called}`, () => catalog.rows<{ signature: string; defined: boolean }>(FUNCTION, [schema, name]));
  return found.filter((f) => f.defined).map((f) => f.signature);
}
