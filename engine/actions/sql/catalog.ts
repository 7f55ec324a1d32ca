/**
 * What the target's catalog says about the names a statement uses, as plain data: the relations and
 * their columns, the functions and their volatility, and the search path names are resolved through.
 * The engine does no I/O: a proxy reads this from the server (pg_class, pg_attribute, pg_proc) and
 * passes it with the request, so the analyzer resolves names as the server does. Without a catalog
 * the analyzer falls back to attributing every reference to every candidate it cannot rule out.
 */

export type RelationKind = "table" | "partitioned table" | "view" | "materialized view" | "foreign table" | "other";

export interface CatalogRelation {
  schema: string;
  name: string;
  kind: RelationKind;
  /** Column names in attribute order, dropped and system columns left out. */
  columns: string[];
}

export type Volatility = "immutable" | "stable" | "volatile";

export interface CatalogFunction {
  schema: string;
  name: string;
  volatility: Volatility;
}

export interface SqlCatalog {
  relations: CatalogRelation[];
  functions: CatalogFunction[];
  /**
   * Schemas an unqualified name is looked up in, in order, as the server's session would (pg_catalog
   * and the session's temporary schema included where they apply). Empty when unknown: then every
   * schema holding the name is a candidate.
   */
  searchPath: string[];
}

/** The catalog indexed for lookups by name. Built once per catalog snapshot, not per statement. */
export class CatalogIndex {
  readonly catalog: SqlCatalog;
  private readonly relationsByName = new Map<string, CatalogRelation[]>();
  private readonly functionsByName = new Map<string, CatalogFunction[]>();

  /**
   * False when the session the statement runs in may look unqualified names up elsewhere than
   * `searchPath` says (it changed search_path, or may have made temporary tables the catalog snapshot
   * cannot see): unqualified relation names are then not resolved through the catalog at all.
   */
  readonly searchPathCertain: boolean;

  constructor(catalog: SqlCatalog, searchPathCertain = true) {
    this.catalog = catalog;
    this.searchPathCertain = searchPathCertain;
    for (const r of catalog.relations) push(this.relationsByName, r.name, r);
    for (const f of catalog.functions) push(this.functionsByName, f.name, f);
  }

  /**
   * The relations a name may denote: the one in `schema` when qualified; otherwise the first match
   * along the search path, or every relation of that name when the search path is unknown.
   */
  relations(schema: string | null, name: string): CatalogRelation[] {
    const all = this.relationsByName.get(name) ?? [];
    if (schema !== null) return all.filter((r) => r.schema === schema);
    if (this.catalog.searchPath.length === 0) return all;
    for (const s of this.catalog.searchPath) {
      const hit = all.filter((r) => r.schema === s);
      if (hit.length > 0) return hit;
    }
    return [];
  }

  /** The same catalog, for a session whose unqualified names may resolve elsewhere (shares the index). */
  uncertainSearchPath(): CatalogIndex {
    if (!this.searchPathCertain) return this;
    const copy = Object.create(CatalogIndex.prototype) as CatalogIndex;
    Object.assign(copy, this, { searchPathCertain: false });
    return copy;
  }

  /** Every function of that name (all overloads) in `schema`, or anywhere when unqualified. */
  functions(schema: string | null, name: string): CatalogFunction[] {
    const all = this.functionsByName.get(name) ?? [];
    return schema === null ? all : all.filter((f) => f.schema === schema);
  }
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
