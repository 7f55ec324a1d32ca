import { fieldsOf, isObject, list, nameList, nodeOf, str } from "./ast.js";
import type { CatalogIndex } from "./catalog.js";
import type { RangeEntry, Scope } from "./scope.js";
import { mayBeVolatile } from "./volatility.js";

type Fields = Record<string, unknown>;

/**
 * Whether a predicate bounds a write: restricts which of the target's existing rows an UPDATE, a DELETE,
 * a MERGE action or an ON CONFLICT DO UPDATE changes. The rule is deliberately narrow (fail closed):
 *
 * - `WHERE CURRENT OF cursor` bounds (one row).
 * - `a AND b` bounds when either side does; `a OR b` only when both do; nothing else combines.
 * - A comparison bounds when one side is a column of the target itself (or a row of such columns, a
 *   cast of one, or a non-volatile function of exactly one, its other arguments given: `lower(note)`),
 *   and the other side is computed from values the statement itself gives: constants, parameters,
 *   functions of those, and columns of a literal row source (a VALUES list, or a FROM-less SELECT
 *   calling no function). Other expressions over the target's columns are not accepted in place of the
 *   column: `id - id = 0` or `(id = id) = true` hold on every row. The comparisons
 *   are the ones that pick rows equal, close or similar to a value: `= < > <= >=`, LIKE, ILIKE, SIMILAR
 *   TO, `~`, IN (list), `= ANY (array)`, BETWEEN, IS NOT DISTINCT FROM; a bare boolean column of the
 *   target, IS TRUE / IS FALSE of one, and IS NULL. Negations (`<>`, NOT IN, IS NOT NULL, NOT …) pick
 *   everything but a few rows and do not bound.
 *
 * So a join condition (`o.user_id = u.id`), a filter on another table (`u.name = 'Ada'`), a subquery
 * (`id IN (SELECT …)`, EXISTS), a comparison of the target with itself (`id = id`) or a whole-row test
 * do not bound: each can match every row of the target. How many rows a bound lets through is for a
 * row limit to check at run time; this only tells that the statement names which rows it means.
 */
export interface BoundContext {
  /** The write's own query level: the target and the FROM / USING / MERGE source entries. */
  scope: Scope;
  target: RangeEntry;
  /** Aliases of FROM items that are literal rows written in the statement (their columns are constants). */
  literalAliases: ReadonlySet<string>;
  /** Entries whose columns change with every row even though they are not tables (`excluded`). */
  rowDependent: ReadonlySet<RangeEntry>;
  catalog: CatalogIndex | undefined;
}

export function boundsTarget(predicate: unknown, ctx: BoundContext): boolean {
  const n = nodeOf(predicate);
  if (!n) return false;
  const [type, f] = n;
  switch (type) {
    case "CurrentOfExpr":
      return true;
    case "BoolExpr": {
      const args = list(f.args);
      if (str(f.boolop) === "AND_EXPR") return args.some((a) => boundsTarget(a, ctx));
      if (str(f.boolop) === "OR_EXPR") return args.length > 0 && args.every((a) => boundsTarget(a, ctx));
      return false;
    }
    case "ColumnRef":
      return targetColumns(predicate, ctx);
    case "BooleanTest":
      return ["IS_TRUE", "IS_FALSE"].includes(str(f.booltesttype) ?? "") && targetColumns(f.arg, ctx);
    case "NullTest":
      return str(f.nulltesttype) === "IS_NULL" && targetColumns(f.arg, ctx);
    case "A_Expr":
      return comparisonBounds(f, ctx);
    default:
      return false;
  }
}

const POSITIVE_OPERATORS = new Set(["=", "<", ">", "<=", ">=", "~~", "~~*", "~", "~*"]);
const POSITIVE_KINDS = new Set(["AEXPR_OP", "AEXPR_OP_ANY", "AEXPR_IN", "AEXPR_LIKE", "AEXPR_ILIKE", "AEXPR_SIMILAR", "AEXPR_NOT_DISTINCT", "AEXPR_BETWEEN", "AEXPR_BETWEEN_SYM"]);

function comparisonBounds(f: Fields, ctx: BoundContext): boolean {
  const kind = str(f.kind) ?? "";
  if (!POSITIVE_KINDS.has(kind)) return false;
  const operator = nameList(f.name).pop() ?? "";
  const ranged = kind === "AEXPR_BETWEEN" || kind === "AEXPR_BETWEEN_SYM" || kind === "AEXPR_NOT_DISTINCT";
  if (!ranged && !POSITIVE_OPERATORS.has(operator)) return false;
  if (kind === "AEXPR_SIMILAR" && operator !== "~") return false;
  if (targetColumns(f.lexpr, ctx) && side(f.rexpr, ctx) === "given") return true;
  return (kind === "AEXPR_OP" || kind === "AEXPR_OP_ANY") && side(f.lexpr, ctx) === "given" && targetColumns(f.rexpr, ctx);
}

/**
 * True for a bare column of the target (`id`, `o.id`), a row of them (`(id, user_id)`), a cast of one
 * (`id::text`), or a non-volatile, non-aggregate function of one whose other arguments are given
 * (`lower(note)`, `date_trunc('day', created)`).
 */
function targetColumns(expr: unknown, ctx: BoundContext): boolean {
  const ref = fieldsOf(expr, "ColumnRef");
  if (ref) return columnKind(nameList(ref.fields), ctx) === "target";
  const cast = fieldsOf(expr, "TypeCast");
  if (cast) return targetColumns(cast.arg, ctx);
  const call = fieldsOf(expr, "FuncCall");
  if (call) {
    if (call.over !== undefined || call.agg_star === true || call.agg_filter !== undefined || mayBeVolatile(nameList(call.funcname), ctx.catalog)) return false;
    const args = list(call.args);
    const columns = args.filter((a) => targetColumns(a, ctx));
    return columns.length === 1 && args.every((a) => columns.includes(a) || side(a, ctx) === "given");
  }
  const row = fieldsOf(expr, "RowExpr");
  const args = row ? list(row.args) : [];
  return args.length > 0 && args.every((a) => fieldsOf(a, "ColumnRef") !== undefined && targetColumns(a, ctx));
}

/** What an expression is computed from: the target's row only, values the statement gives, or anything else. */
type Side = "target" | "given" | "other";

function side(expr: unknown, ctx: BoundContext): Side {
  let target = false;
  let other = false;
  const visit = (value: unknown): void => {
    if (other) return;
    if (Array.isArray(value)) return value.forEach(visit);
    if (!isObject(value)) return;
    const n = nodeOf(value);
    if (n?.[0] === "SubLink" || n?.[0] === "SelectStmt") {
      other = true;
      return;
    }
    if (n?.[0] === "ColumnRef") {
      const kind = columnKind(nameList(n[1].fields), ctx);
      if (kind === "target") target = true;
      else if (kind === "other") other = true;
      return;
    }
    Object.values(n ? n[1] : value).forEach(visit);
  };
  visit(expr);
  return other ? "other" : target ? "target" : "given";
}

function columnKind(names: string[], ctx: BoundContext): Side {
  const column = names[names.length - 1] ?? "*";
  if (column === "*" || names.includes("?")) return "other";
  if (names.length > 1) {
    const entry = ctx.scope.entry(names.slice(0, -1));
    if (entry === ctx.target) return "target";
    if (entry && names.length === 2 && entry.kind === "derived" && ctx.literalAliases.has(entry.alias) && !ctx.rowDependent.has(entry)) return "given";
    return "other";
  }
  // Unqualified: the target's column only when no other entry of this level may have that name, and the
  // name is not also a relation's alias (a whole-row reference).
  if (ctx.scope.entries.some((e) => e.alias === column)) return "other";
  const elsewhere = ctx.scope.entries.some((e) => e !== ctx.target && mayHave(e, column, ctx.catalog));
  if (elsewhere) return "other";
  return mayHave(ctx.target, column, ctx.catalog) ? "target" : "other";
}

function mayHave(entry: RangeEntry, column: string, catalog: CatalogIndex | undefined): boolean {
  if (entry.kind === "derived") return entry.outputs.some((o) => o.name === column || o.name === null || o.name === "*");
  const relations = catalog?.relations(entry.table.schema, entry.table.name) ?? [];
  return relations.length === 0 || relations.some((r) => r.columns.includes(column));
}

/**
 * True when a query yields only rows written out in the statement: a VALUES list (the server allows no
 * set-returning function there), or a SELECT without FROM that calls no function (which could return a
 * set) and holds no subquery.
 */
export function isLiteralRows(query: unknown): boolean {
  const f = fieldsOf(query, "SelectStmt");
  if (!f) return false;
  if (str(f.op) !== undefined && str(f.op) !== "SETOP_NONE") return false;
  if (list(f.valuesLists).length > 0) return true;
  return list(f.fromClause).length === 0 && !contains(f.targetList, (type) => type === "FuncCall" || type === "SubLink" || type === "SelectStmt");
}

/** Aliases of the literal row sources among FROM items (`(VALUES …) AS v(a, b)`). */
export function literalAliases(items: unknown[]): Set<string> {
  const found = new Set<string>();
  for (const item of items) {
    const sub = fieldsOf(item, "RangeSubselect");
    const alias = sub && isObject(sub.alias) ? str(sub.alias.aliasname) : undefined;
    if (sub && alias && sub.lateral !== true && isLiteralRows(sub.subquery)) found.add(alias);
  }
  return found;
}

function contains(value: unknown, match: (type: string) => boolean): boolean {
  if (Array.isArray(value)) return value.some((v) => contains(v, match));
  if (!isObject(value)) return false;
  const n = nodeOf(value);
  if (n && match(n[0])) return true;
  return Object.values(n ? n[1] : value).some((v) => contains(v, match));
}
