import type { Rng } from "../../../bench/policy/rng.js";

/**
 * Random SELECTs over the demo schema (users, orders) built to stress name resolution: nested scopes
 * (scalar subqueries, FROM subqueries, LATERAL, CTEs, EXISTS), aliases that shadow table names, alias
 * column lists, USING and NATURAL joins, and column names written unqualified so that the server
 * decides which level and which relation they belong to. Many of them are invalid (an ambiguous or
 * missing column): the oracle test skips what the server rejects.
 */

const TABLES: Record<string, string[]> = {
  users: ["id", "name", "email", "ssn", "age"],
  orders: ["id", "user_id", "amount", "note"],
};
const ALL_NAMES = ["id", "name", "email", "ssn", "age", "user_id", "amount", "note"];

/** A relation visible at some level: its alias and the column names it exposes (unknown: any). */
interface Visible {
  alias: string;
  columns: string[];
}

class Builder {
  private counter = 0;
  private readonly rng: Rng;
  constructor(rng: Rng) {
    this.rng = rng;
  }

  private alias(): string {
    return this.rng.pick(["u", "o", "t", "s", "x", "users", "orders"]) + (this.rng.chance(0.5) ? "" : String(this.counter++));
  }

  /** A column reference: mostly unqualified, sometimes qualified by a visible alias (inner or outer). */
  private column(levels: Visible[][]): string {
    const visible = levels.flat();
    if (visible.length > 0 && this.rng.chance(0.35)) {
      const v = this.rng.pick(visible);
      return `${v.alias}.${this.rng.pick(v.columns.length > 0 ? v.columns : ALL_NAMES)}`;
    }
    return this.rng.pick(ALL_NAMES);
  }

  private expression(levels: Visible[][], depth: number): string {
    const roll = this.rng.int(0, 9);
    if (depth > 0 && roll === 0) return `(${this.query(levels, depth - 1, 1)})`;
    if (roll === 1) return `upper(${this.column(levels)}::text)`;
    if (roll === 2) return `CASE WHEN ${this.column(levels)} IS NULL THEN ${this.column(levels)}::text END`;
    if (roll === 3) return `coalesce(${this.column(levels)}::text, '')`;
    if (depth > 0 && roll === 4) return `ARRAY(${this.query(levels, depth - 1, 1)})`;
    return this.column(levels);
  }

  /** One FROM item and what it makes visible. */
  private fromItem(levels: Visible[][], depth: number, lateralOk: boolean): { sql: string; visible: Visible[] } {
    const roll = this.rng.int(0, 9);
    if (depth > 0 && roll <= 2) {
      const alias = this.alias();
      const lateral = lateralOk && this.rng.chance(0.4);
      const inner = this.query(lateral ? levels : levels.slice(0, 0), depth - 1, this.rng.int(1, 3));
      return { sql: `${lateral ? "LATERAL " : ""}(${inner}) ${alias}`, visible: [{ alias, columns: [] }] };
    }
    if (roll === 3) {
      const [a, b] = [this.alias(), this.alias()];
      const join = this.rng.chance(0.5) ? `JOIN orders ${b} USING (id)` : `NATURAL JOIN (SELECT id, name FROM users) ${b}`;
      return { sql: `users ${a} ${join}`, visible: [{ alias: a, columns: TABLES.users! }, { alias: b, columns: [] }] };
    }
    const table = this.rng.pick(Object.keys(TABLES));
    const columns = TABLES[table]!;
    if (roll === 4) {
      // An alias column list renames the first columns by position.
      const alias = this.alias();
      const names = columns.slice(0, this.rng.int(1, columns.length)).map((_, i) => this.rng.pick(["a", "b", "c", ...ALL_NAMES]) + (i > 2 ? String(i) : ""));
      return { sql: `${table} ${alias}(${names.join(", ")})`, visible: [{ alias, columns: [...names, ...columns.slice(names.length)] }] };
    }
    if (roll === 5) return { sql: table, visible: [{ alias: table, columns }] };
    const alias = this.alias();
    return { sql: `${table} ${alias}`, visible: [{ alias, columns }] };
  }

  /** A SELECT with `width` output columns, at nesting `depth`, inside the scopes `levels` (innermost last). */
  query(levels: Visible[][], depth: number, width: number): string {
    const items: string[] = [];
    const visible: Visible[] = [];
    const count = this.rng.int(1, 2);
    for (let i = 0; i < count; i++) {
      const item = this.fromItem([...levels, visible], depth, i > 0);
      items.push(item.sql);
      visible.push(...item.visible);
    }
    const scope = [...levels, visible];
    const select: string[] = [];
    for (let i = 0; i < width; i++) select.push(this.rng.chance(0.15) ? `${this.rng.pick(visible).alias}.*` : `${this.expression(scope, depth)} AS c${i}`);
    let sql = `SELECT ${select.join(", ")} FROM ${items.join(", ")}`;
    if (this.rng.chance(0.4)) sql += ` WHERE ${this.column(scope)} IS NOT NULL`;
    if (depth > 0 && this.rng.chance(0.2)) sql += ` AND EXISTS (${this.query(scope, depth - 1, 1)})`.replace(/^ AND/, sql.includes(" WHERE ") ? " AND" : " WHERE");
    if (this.rng.chance(0.2)) sql += ` ORDER BY ${this.column(scope)}`;
    if (width === 1 && levels.length > 0) sql += " LIMIT 1";
    if (depth > 0 && this.rng.chance(0.15)) {
      const cte = this.alias();
      return `WITH ${cte} AS (${this.query(levels, depth - 1, 2)}) ${sql.replace(" FROM ", ` FROM ${cte}, `)}`;
    }
    return sql;
  }
}

/** `count` random SELECTs (valid or not) from `rng`. */
export function randomSelects(rng: Rng, count: number): string[] {
  const builder = new Builder(rng);
  return Array.from({ length: count }, () => builder.query([], rng.int(1, 3), rng.int(1, 3)));
}
