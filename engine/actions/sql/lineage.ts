import type { ColumnUse, ColumnUsage, RelationName, SideEffect, TableAccess, TableUse, WriteEffect } from "./types.js";

/**
 * Column lineage: where a value produced by a (sub)query comes from. A source is a base-table column;
 * `derived` means the value passed through something that is not a plain column reference, so PostgreSQL
 * will not report its origin table in RowDescription and the gateway cannot mask it on the wire.
 */
export interface Source {
  table: RelationName | null;
  column: string;
  derived: boolean;
  /**
   * Set when the reference may name this column but the catalog could not confirm it (an unknown
   * relation, or no catalog): it counts for everything a column can reveal, never as proof that a
   * statement depends on this table's row.
   */
  uncertain?: boolean;
}

export interface OutputColumn {
  name: string | null;
  sources: Source[];
}

export function asDerived(sources: Source[]): Source[] {
  return sources.map((s) => (s.derived ? s : { ...s, derived: true }));
}

/** Everything one statement touches, de-duplicated as it is collected. */
export class Effects {
  readonly tables = new Map<string, TableUse>();
  readonly columns = new Map<string, ColumnUse>();
  readonly functions = new Set<string>();
  readonly writes: WriteEffect[] = [];
  readonly dynamicReasons = new Set<string>();
  /** Side-effecting calls by function name (one entry per function). */
  readonly sideEffects = new Map<string, SideEffect>();

  table(relation: RelationName, access: TableAccess): void {
    const key = `${relation.schema ?? ""}\u0000${relation.name}\u0000${access}`;
    if (!this.tables.has(key)) this.tables.set(key, { schema: relation.schema, name: relation.name, access });
  }

  column(table: RelationName | null, column: string, usage: ColumnUsage): void {
    const key = `${table?.schema ?? ""}\u0000${table?.name ?? ""}\u0000${column}\u0000${usage}`;
    if (!this.columns.has(key)) {
      const copy = table ? { schema: table.schema, name: table.name } : null;
      this.columns.set(key, { table: copy, column, usage });
    }
  }

  /** Records sources as consumed: returned to the client (output/derived by lineage) or as a filter. */
  consume(sources: Source[], as: "value" | "filter" | "derived"): void {
    for (const s of sources) {
      const usage: ColumnUsage = as === "filter" ? "filter" : as === "derived" || s.derived ? "derived" : "output";
      this.column(s.table, s.column, usage);
    }
  }
}
