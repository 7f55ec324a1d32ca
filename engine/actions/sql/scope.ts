import type { CatalogIndex } from "./catalog.js";
import type { RelationName } from "./types.js";
import { asDerived, type OutputColumn, type Source } from "./lineage.js";

/** One entry of a FROM list: a base table, or a derived relation (subquery, CTE, VALUES, function). */
export type RangeEntry =
  | { kind: "table"; alias: string; table: RelationName }
  | { kind: "derived"; alias: string; outputs: OutputColumn[] };

/** The names visible at one query level; `parent` is the enclosing level (correlated references). */
export class Scope {
  readonly entries: RangeEntry[] = [];
  readonly ctes = new Map<string, OutputColumn[]>();
  readonly parent: Scope | undefined;
  constructor(parent?: Scope) {
    this.parent = parent;
  }

  cte(name: string): OutputColumn[] | undefined {
    for (let s: Scope | undefined = this; s; s = s.parent) {
      const found = s.ctes.get(name);
      if (found) return found;
    }
    return undefined;
  }

  /** Finds the entry a qualifier (`alias` or `schema.table`) names, innermost level first. */
  entry(qualifier: string[]): RangeEntry | undefined {
    const name = qualifier[qualifier.length - 1];
    const schema = qualifier.length >= 2 ? qualifier[qualifier.length - 2] : undefined;
    for (let s: Scope | undefined = this; s; s = s.parent) {
      for (const e of s.entries) {
        if (e.alias !== name) continue;
        if (schema !== undefined && e.kind === "table" && e.table.schema !== null && e.table.schema !== schema) continue;
        return e;
      }
    }
    return undefined;
  }

  /** Sources of `*` (unqualified): every entry of this level. */
  star(): Source[] {
    return this.entries.flatMap(starOf);
  }

  /**
   * Sources of an unqualified column name. PostgreSQL resolves it against the innermost level that has
   * it, and only when no relation of that level has the column does it look at the enclosing level (an
   * outer reference: `SELECT (SELECT email FROM orders) FROM users` reads users.email). A base table
   * the catalog describes has the column or not; one it does not describe (or with no catalog) may
   * have it, and may not: then the name counts for that table AND for every outer level it could reach
   * (conservative: a sensitive column is never attributed to nobody, nor only to the wrong table). A
   * name that is also a range alias may be a whole-row reference, which is recorded as well.
   */
  column(name: string, catalog?: CatalogIndex): Source[] {
    const found: Source[] = [];
    for (let s: Scope | undefined = this; s; s = s.parent) {
      const sources: Source[] = [];
      // Outputs the text does not name (`upper(ssn)` is called "upper" by the server) may be this column.
      const unnamed: Source[] = [];
      let certain = false;
      let possible = false;
      for (const e of s.entries) {
        if (e.kind === "table") {
          const has = tableHas(e.table, name, catalog);
          if (has === false) continue;
          sources.push({ table: e.table, column: name, derived: false });
          if (has === true) certain = true;
          else possible = true;
        } else {
          const named = e.outputs.filter((o) => o.name === name);
          for (const o of named) sources.push(...o.sources);
          if (named.length > 0) certain = true;
          else {
            const viaStar = fromStars(e.outputs, name);
            sources.push(...viaStar);
            if (viaStar.length > 0) possible = true;
            for (const o of e.outputs) if (o.name === null) unnamed.push(...o.sources);
          }
        }
        if (e.alias === name) sources.push(...asDerived(starOf(e)));
      }
      found.push(...sources);
      if (certain) return [...found, ...unnamed];
      if (possible) {
        // Maybe here, maybe further out: keep looking, keeping what may be this column.
        found.push(...unnamed);
        continue;
      }
      // Only a guess: keep the name as well, so a column of that name is still matched by name alone.
      if (unnamed.length > 0) return [...found, ...unnamed, { table: null, column: name, derived: false }];
    }
    return found.length > 0 ? found : [{ table: null, column: name, derived: false }];
  }
}

/** Whether a base table has a column: known from the catalog, or undefined when it cannot be told. */
function tableHas(table: RelationName, column: string, catalog: CatalogIndex | undefined): boolean | undefined {
  if (!catalog) return undefined;
  const relations = catalog.relations(table.schema, table.name);
  // Several candidates (or none: a table created since the catalog was read): it cannot be told.
  if (relations.length !== 1) return undefined;
  return relations[0]!.columns.includes(column);
}

export function starOf(entry: RangeEntry): Source[] {
  if (entry.kind === "table") return [{ table: entry.table, column: "*", derived: false }];
  return entry.outputs.flatMap((o) => o.sources);
}

/** Sources of `entry.column`. An unknown name on a derived relation yields all it carries (conservative). */
export function columnOf(entry: RangeEntry, name: string): Source[] {
  if (entry.kind === "table") return [{ table: entry.table, column: name, derived: false }];
  const named = entry.outputs.filter((o) => o.name === name);
  if (named.length > 0) return named.flatMap((o) => o.sources);
  const viaStar = fromStars(entry.outputs, name);
  return viaStar.length > 0 ? viaStar : entry.outputs.flatMap((o) => o.sources);
}

/** A derived relation that selected `t.*` carries every column of t under its own name. */
function fromStars(outputs: OutputColumn[], name: string): Source[] {
  const found: Source[] = [];
  for (const o of outputs) {
    if (o.name !== "*") continue;
    for (const s of o.sources) if (s.column === "*") found.push({ table: s.table, column: name, derived: s.derived });
  }
  return found;
}

/**
 * Applies a column alias list (`AS s(a, b)`, `WITH x(a, b)`) to a derived relation's outputs by position.
 * A `*` covers an unknown number of columns, so from the first `*` that a name falls on, no position is
 * known: what follows becomes one unnamed output carrying all of it (`s.x` may then be any of them).
 */
export function renameOutputs(outputs: OutputColumn[], names: string[]): OutputColumn[] {
  if (names.length === 0) return outputs;
  const star = outputs.findIndex((o) => o.name === "*");
  if (star === -1 || star >= names.length) return outputs.map((o, i) => (i < names.length ? { ...o, name: names[i]! } : o));
  const known = outputs.slice(0, star).map((o, i) => ({ ...o, name: names[i]! }));
  return [...known, { name: null, sources: outputs.slice(star).flatMap((o) => o.sources) }];
}
