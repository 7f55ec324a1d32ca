import type { Rng } from "../../../bench/policy/rng.js";

/**
 * Random SELECTs over the demo schema (users, orders) built to stress name resolution: nested scopes
 * (scalar subqueries, FROM subqueries, LATERAL, CTEs, EXISTS), aliases that shadow table names, alias
 * column lists, USING and NATURAL joins, and column names written unqualified so that the server
 * decides which level and which relation they belong to. Many of them are invalid (an ambiguous or
 * missing column): the oracle test skips what the server rejects.
 * Every column a subquery or CTE computes is used by the level around it (its `alias.*` is selected),
 * and EXISTS selects a constant, so every column the server records as referenced is one a value or a
 * filter of the query depends on.
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
  /** A subquery or CTE, whose columns the enclosing level selects. */
  derived?: boolean;
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
    // Mostly a name that exactly one relation has at the innermost level having it (which relation,
    // and at which level, is the server's call); sometimes any name.
    const unique = new Set<string>();
    const seen = new Set<string>();
    for (const level of [...levels].reverse()) {
      const counts = new Map<string, number>();
      for (const v of level) for (const c of new Set(v.columns)) counts.set(c, (counts.get(c) ?? 0) + 1);
      for (const [c, n] of counts) {
        if (seen.has(c)) continue;
        seen.add(c);
        if (n === 1) unique.add(c);
      }
    }
    return unique.size > 0 && this.rng.chance(0.85) ? this.rng.pick([...unique]) : this.rng.pick(ALL_NAMES);
  }

  private expression(levels: Visible[][], depth: number): string {
    const roll = this.rng.int(0, 9);
    if (depth > 0 && roll === 0) return `(${this.query(levels, depth - 1, 1, "scalar")})`;
    if (roll === 1) return `upper(${this.column(levels)}::text)`;
    if (roll === 2) return `CASE WHEN ${this.column(levels)} IS NULL THEN ${this.column(levels)}::text END`;
    if (roll === 3) return `coalesce(${this.column(levels)}::text, '')`;
    if (depth > 0 && roll === 4) return `ARRAY(${this.query(levels, depth - 1, 1, "scalar")})`;
    return this.column(levels);
  }

  /** One FROM item and what it makes visible (with `plain`, a table only). */
  private fromItem(levels: Visible[][], depth: number, lateralOk: boolean, plain: boolean): { sql: string; visible: Visible[] } {
    const roll = plain ? this.rng.int(4, 9) : this.rng.int(0, 9);
    if (depth > 0 && roll <= 2) {
      const alias = this.alias();
      const lateral = lateralOk && this.rng.chance(0.4);
      const inner = this.query(lateral ? levels : [], depth - 1, this.rng.int(1, 3));
      return { sql: `${lateral ? "LATERAL " : ""}(${inner}) ${alias}`, visible: [{ alias, columns: [], derived: true }] };
    }
    if (roll === 3) {
      const [a, b] = [this.alias(), this.alias()];
      if (this.rng.chance(0.5)) return { sql: `users ${a} JOIN orders ${b} USING (id)`, visible: [{ alias: a, columns: TABLES.users! }, { alias: b, columns: TABLES.orders! }] };
      return { sql: `users ${a} NATURAL JOIN (SELECT id, name FROM users) ${b}`, visible: [{ alias: a, columns: TABLES.users! }, { alias: b, columns: ["id", "name"], derived: true }] };
    }
    const table = this.rng.pick(Object.keys(TABLES));
    const columns = TABLES[table]!;
    if (roll === 4) {
      // An alias column list renames the first columns by position.
      const alias = this.alias();
      const names: string[] = [];
      for (let i = this.rng.int(1, columns.length); i > 0; i--) {
        const name = this.rng.pick(["a", "b", "c", ...ALL_NAMES]);
        names.push(names.includes(name) ? `${name}${names.length}` : name);
      }
      return { sql: `${table} ${alias}(${names.join(", ")})`, visible: [{ alias, columns: [...names, ...columns.slice(names.length)] }] };
    }
    if (roll === 5) return { sql: table, visible: [{ alias: table, columns }] };
    const alias = this.alias();
    return { sql: `${table} ${alias}`, visible: [{ alias, columns }] };
  }

  /**
   * A SELECT with `width` output columns, at nesting `depth`, inside the scopes `levels` (innermost
   * last). `scalar`: one column from tables only; `exists`: the body of an EXISTS, a constant.
   */
  query(levels: Visible[][], depth: number, width: number, mode: "free" | "scalar" | "exists" = "free"): string {
    const exists = mode === "exists";
    const plain = mode !== "free";
    const items: string[] = [];
    const visible: Visible[] = [];
    let cte = "";
    if (!plain && depth > 0 && this.rng.chance(0.15)) {
      const name = this.alias();
      cte = `WITH ${name} AS (${this.query(levels, depth - 1, 2)}) `;
      items.push(name);
      visible.push({ alias: name, columns: [], derived: true });
    }
    const count = this.rng.int(1, 2);
    for (let i = 0; i < count; i++) {
      const item = this.fromItem([...levels, visible], depth, i > 0, plain);
      // A level may not name the same alias twice.
      if (item.visible.some((v) => visible.some((w) => w.alias === v.alias))) continue;
      items.push(item.sql);
      visible.push(...item.visible);
    }
    const scope = [...levels, visible];
    const select: string[] = [];
    if (exists) select.push("1");
    else for (let i = 0; i < width; i++) select.push(!plain && this.rng.chance(0.15) ? `${this.rng.pick(visible).alias}.*` : `${this.expression(scope, depth)} AS c${i}`);
    for (const v of visible) if (v.derived && !select.includes(`${v.alias}.*`)) select.push(`${v.alias}.*`);
    let sql = `${cte}SELECT ${select.join(", ")} FROM ${items.join(", ")}`;
    const where: string[] = [];
    if (this.rng.chance(0.4)) where.push(`${this.column(scope)} IS NOT NULL`);
    if (depth > 0 && this.rng.chance(0.2)) where.push(`EXISTS (${this.query(scope, depth - 1, 1, "exists")})`);
    if (where.length > 0) sql += ` WHERE ${where.join(" AND ")}`;
    if (this.rng.chance(0.2)) sql += ` ORDER BY ${this.column(scope)}`;
    if (levels.length > 0 && !exists) sql += " LIMIT 1";
    return sql;
  }
}

/** `count` random SELECTs (valid or not) from `rng`. */
export function randomSelects(rng: Rng, count: number): string[] {
  const builder = new Builder(rng);
  return Array.from({ length: count }, () => builder.query([], rng.int(1, 3), rng.int(1, 3)));
}
