import type { RelationName } from "./types.js";
import { asDerived, type OutputColumn, type Source } from "./lineage.js";

/** One entry of a FROM list: a base table, or a derived relation (subquery, CTE, VALUES, function). */
export type RangeEntry =
  /** `columns`: the relation's real columns in order, when the catalog knows it; undefined when not. */
  | { kind: "table"; alias: string; table: RelationName; columns?: string[] }
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
   * Sources of an unqualified column name, as the server resolves it: the innermost level that has a
   * relation with that column wins; when no relation of a level has it, the name is an outer reference to
   * the next level out. A relation whose columns the catalog does not know (or no catalog at all) may or
   * may not have it: it is a candidate, and the search goes on outwards as well, so the name is attributed
   * to every relation it could denote at every level it could reach, never to nobody.
   * A name that is also a range alias may be a whole-row reference, which is recorded as well.
   */
  column(name: string): Source[] {
    const found: Source[] = [];
    let named = false;
    for (let s: Scope | undefined = this; s; s = s.parent) {
      let certain = false;
      const level: Source[] = [];
      for (const e of s.entries) {
        if (e.kind === "table") {
          if (e.columns === undefined) {
            named = true;
            level.push({ table: e.table, column: name, derived: false });
          } else if (e.columns.includes(name)) {
            certain = true;
            level.push({ table: e.table, column: name, derived: false });
          }
        } else {
          const outputs = e.outputs.filter((o) => o.name === name);
          if (outputs.length > 0) {
            certain = true;
            for (const o of outputs) level.push(...o.sources);
          } else {
            // A `t.*` of an unknown relation, or an output the text does not name (`upper(ssn)` is
            // called "upper" by the server), may be this column.
            const viaStar = fromStars(e.outputs, name);
            if (viaStar.length > 0) named = true;
            level.push(...viaStar);
            for (const o of e.outputs) if (o.name === null) level.push(...o.sources);
          }
        }
        if (e.alias === name) {
          named = true;
          level.push(...asDerived(starOf(e)));
        }
      }
      // Candidates past the first level that had any are reached only because that level's might not
      // have the column: they may be the column, but do not prove the statement depends on their row.
      found.push(...(found.length > 0 ? level.map((v) => ({ ...v, uncertain: true })) : level));
      if (certain) return found;
    }
    // Only a guess: keep the name as well, so a column of that name is still matched by name alone.
    if (!named) found.push({ table: null, column: name, derived: false, uncertain: true });
    return found;
  }
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

/** `*` of an entry as output columns: a table the catalog knows expands to its real columns, in order. */
export function starColumns(entry: RangeEntry): OutputColumn[] {
  if (entry.kind === "derived") return entry.outputs;
  if (entry.columns === undefined) return [{ name: "*", sources: starOf(entry) }];
  return entry.columns.map((c) => ({ name: c, sources: [{ table: entry.table, column: c, derived: false }] }));
}
