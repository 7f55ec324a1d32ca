import { aliasOf, fieldsOf, isObject, list, nameList, nodeOf, relationOf, str } from "./ast.js";
import type { CatalogIndex } from "./catalog.js";
import { DYNAMIC_SQL_FUNCTIONS } from "./dynamic.js";
import { isFilterSafe } from "./filter-functions.js";
import { isBuiltinOperator, isBuiltinType, mayBeVolatile, sideEffectOf } from "./volatility.js";
import { boundsTarget, isLiteralRows, literalAliases, type BoundContext } from "./write-bounds.js";
import { asDerived, Effects, type OutputColumn, type Source } from "./lineage.js";
import { dependencyOrder } from "./cte-order.js";
import { columnOf, renameOutputs, Scope, starColumns, starOf, type RangeEntry } from "./scope.js";
import { keywordAsColumnRef } from "./server-keywords.js";
import type { RelationName } from "./types.js";

type Fields = Record<string, unknown>;
/** How an expression's value is used: returned (as a bare reference or computed) or only filtering rows. */
type Context = "value" | "derived" | "filter";

/**
 * Walks queries and data-changing statements (SELECT, INSERT, UPDATE, DELETE, MERGE and everything nested
 * in them) and records their effects: tables and access, column lineage, functions, writes.
 */
export class QueryAnalyzer {
  readonly effects: Effects;
  /** The target's catalog, when the proxy supplied one: names resolve against real column lists. */
  readonly catalog: CatalogIndex | undefined;
  constructor(effects: Effects, catalog?: CatalogIndex) {
    this.effects = effects;
    this.catalog = catalog;
  }

  /** Any statement that yields rows (a SELECT, or DML with RETURNING); returns its output lineage. */
  queryLike(node: unknown, parent: Scope | undefined): OutputColumn[] {
    const n = nodeOf(node);
    if (!n) return [];
    const [type, f] = n;
    switch (type) {
      case "SelectStmt":
        return this.select(f, parent);
      case "InsertStmt":
        return this.insert(f, parent);
      case "UpdateStmt":
        return this.update(f, parent);
      case "DeleteStmt":
        return this.delete(f, parent);
      case "MergeStmt":
        return this.merge(f, parent);
      default:
        return asOutputs(this.expr(node, parent ?? new Scope(), "derived"));
    }
  }

  select(f: Fields, parent: Scope | undefined): OutputColumn[] {
    const scope = new Scope(parent);
    this.withClause(f.withClause, scope);
    const op = str(f.op);
    if (op && op !== "SETOP_NONE") {
      // A set operation's result columns have no origin table on the wire: everything in them is derived.
      const left = this.queryLike({ SelectStmt: f.larg }, scope);
      const right = this.queryLike({ SelectStmt: f.rarg }, scope);
      this.filterClauses(f, scope);
      const width = Math.max(left.length, right.length);
      return Array.from({ length: width }, (_, i) => ({
        name: left[i]?.name ?? right[i]?.name ?? null,
        sources: asDerived([...(left[i]?.sources ?? []), ...(right[i]?.sources ?? [])]),
      }));
    }
    const values = list(f.valuesLists);
    if (values.length > 0) {
      const columns: OutputColumn[] = [];
      for (const row of values) {
        list(row).forEach((item, i) => {
          const sources = this.expr(item, scope, "derived");
          const existing = columns[i];
          if (existing) existing.sources.push(...sources);
          else columns[i] = { name: `column${i + 1}`, sources };
        });
      }
      return columns;
    }
    for (const item of list(f.fromClause)) this.range(item, scope);
    this.expr(f.whereClause, scope, "filter");
    this.filterClauses(f, scope);
    return this.targets(f.targetList, scope);
  }

  private filterClauses(f: Fields, scope: Scope): void {
    for (const key of ["groupClause", "havingClause", "sortClause", "windowClause", "distinctClause", "limitCount", "limitOffset"]) {
      this.expr(f[key], scope, "filter");
    }
  }

  /** A target list (SELECT list or RETURNING): a bare column keeps its lineage, anything else is derived. */
  targets(targetList: unknown, scope: Scope): OutputColumn[] {
    const outputs: OutputColumn[] = [];
    for (const item of list(targetList)) {
      const target = fieldsOf(item, "ResTarget");
      if (!target) continue;
      const ref = fieldsOf(target.val, "ColumnRef") ?? keywordAsColumnRef(target.val);
      if (ref) {
        const names = nameList(ref.fields);
        const last = names[names.length - 1]!;
        if (last === "*") {
          outputs.push(...this.starOutputs(names.slice(0, -1), scope));
          continue;
        }
        outputs.push({ name: str(target.name) ?? last, sources: this.resolve(names, scope) });
        continue;
      }
      outputs.push({ name: str(target.name) ?? null, sources: this.expr(target.val, scope, "derived") });
    }
    return outputs;
  }

  private starOutputs(qualifier: string[], scope: Scope): OutputColumn[] {
    const entries = qualifier.length === 0 ? scope.entries : [scope.entry(qualifier)].filter((e) => e !== undefined);
    if (qualifier.length > 0 && entries.length === 0) {
      return [{ name: "*", sources: [{ table: relationFromQualifier(qualifier), column: "*", derived: false }] }];
    }
    return entries.flatMap(starColumns);
  }

  /**
   * The real columns of a relation the statement names, when the catalog knows it for certain: one
   * relation of that name, and for an unqualified name a search path the catalog vouches for (a session
   * that changed it or made temporary tables may see another relation under that name).
   */
  private relationColumns(relation: RelationName): string[] | undefined {
    const catalog = this.catalog;
    if (!catalog) return undefined;
    if (relation.schema === null && !catalog.searchPathCertain) return undefined;
    const found = catalog.relations(relation.schema, relation.name);
    return found.length === 1 ? found[0]!.columns : undefined;
  }

  /** Sources of a column reference (`c`, `t.c`, `s.t.c`). */
  resolve(names: string[], scope: Scope): Source[] {
    const column = names[names.length - 1]!;
    if (names.length === 1) return scope.column(column);
    const qualifier = names.slice(0, -1);
    const entry = scope.entry(qualifier);
    if (column === "*") {
      return entry ? starOf(entry) : [{ table: relationFromQualifier(qualifier), column: "*", derived: false }];
    }
    if (entry) return columnOf(entry, column);
    return [{ table: relationFromQualifier(qualifier), column, derived: false }];
  }

  withClause(withClause: unknown, scope: Scope): void {
    if (!isObject(withClause)) return;
    const recursive = withClause.recursive === true;
    const ctes = list(withClause.ctes).flatMap((item): Fields[] => {
      const cte = fieldsOf(item, "CommonTableExpr");
      return cte ? [cte] : [];
    });
    // WITH RECURSIVE lets a CTE name one written after it: analyse each after those it names.
    for (const cte of recursive ? dependencyOrder(ctes) : ctes) {
      const name = str(cte.ctename);
      if (!name) continue;
      if (recursive) scope.ctes.set(name, []);
      const outputs = renameOutputs(this.queryLike(cte.ctequery, scope), nameList(cte.aliascolnames));
      // A recursive CTE refers to itself: its outputs also carry what the recursive part selects.
      scope.ctes.set(name, outputs);
    }
  }

  /** Adds one FROM item to the scope, recording the tables it reads. */
  range(item: unknown, scope: Scope): void {
    const n = nodeOf(item);
    if (!n) return;
    const [type, f] = n;
    if (type === "RangeVar") {
      const relation = relationOf(f)!;
      const alias = aliasOf(f) ?? relation.name;
      const cte = relation.schema === null ? scope.cte(relation.name) : undefined;
      if (cte) {
        scope.entries.push({ kind: "derived", alias, outputs: renameOutputs(cte, aliasColumns(f)) });
      } else {
        this.effects.table(relation, "read");
        const renamed = aliasColumns(f);
        const columns = this.relationColumns(relation);
        // `FROM users AS t(a, b)` renames the table's first columns, by position: the catalog names them.
        if (columns !== undefined && renamed.length > 0) {
          const outputs = columns.map((c, i) => ({ name: renamed[i] ?? c, sources: [{ table: relation, column: c, derived: false }] }));
          scope.entries.push({ kind: "derived", alias, outputs });
        } else if (columns !== undefined) scope.entries.push({ kind: "table", alias, table: relation, columns });
        else if (renamed.length === 0) scope.entries.push({ kind: "table", alias, table: relation });
        else scope.entries.push({ kind: "derived", alias, outputs: renameOutputs([{ name: "*", sources: [{ table: relation, column: "*", derived: false }] }], renamed) });
      }
      return;
    }
    if (type === "RangeSubselect") {
      const outputs = renameOutputs(this.queryLike(f.subquery, scope), aliasColumns(f));
      scope.entries.push({ kind: "derived", alias: aliasOf(f) ?? "", outputs });
      return;
    }
    if (type === "JoinExpr") {
      const first = scope.entries.length;
      this.range(f.larg, scope);
      this.range(f.rarg, scope);
      this.expr(f.quals, scope, "filter");
      // USING (k) and NATURAL compare the join columns of both sides: each side's column is read.
      this.joinColumns(f, scope.entries.slice(first));
      // An aliased join (`(a JOIN b) AS j`, `JOIN b USING (k) AS j`) is a relation of its own: `j.c` and
      // `j.*` reach the columns of both sides.
      const joined = scope.entries.slice(first).flatMap((e): OutputColumn[] => (e.kind === "table" ? [{ name: "*", sources: starOf(e) }] : e.outputs));
      const merged = fullJoinColumns(f, scope.entries.slice(first));
      for (const outputs of merged) scope.entries.push({ kind: "derived", alias: "", outputs });
      const usingAlias = isObject(f.join_using_alias) ? str(f.join_using_alias.aliasname) : undefined;
      for (const alias of [aliasOf(f), usingAlias]) {
        if (alias) scope.entries.push({ kind: "derived", alias, outputs: renameOutputs([...merged.flat(), ...joined], aliasColumns(f)) });
      }
      return;
    }
    if (type === "RangeTableSample") {
      this.range(f.relation, scope);
      this.expr(f.args, scope, "filter");
      return;
    }
    // Set-returning functions, XMLTABLE, JSON_TABLE: whatever they read is computed, hence derived.
    const sources = this.expr(item, scope, "derived");
    scope.entries.push({ kind: "derived", alias: aliasOf(f) ?? functionAlias(f) ?? "", outputs: asOutputs(sources) });
  }

  /** The columns a USING list or NATURAL join compares, recorded as filters on both sides. */
  private joinColumns(f: Fields, sides: RangeEntry[]): void {
    let names = list(f.usingClause).flatMap((item) => {
      const name = str(fieldsOf(item, "String")?.sval);
      return name ? [name] : [];
    });
    if (f.isNatural === true && sides.length >= 2) {
      // The common column names of both sides; a side the catalog does not know makes every name a candidate.
      const known = (e: RangeEntry): string[] | undefined =>
        e.kind === "table" ? e.columns : e.outputs.some((o) => o.name === null || o.name === "*") ? undefined : e.outputs.map((o) => o.name!);
      const sets = sides.map(known);
      if (sets.every((c) => c !== undefined)) {
        const [left, ...rest] = sets as string[][];
        names = left!.filter((c) => rest.some((r) => r.includes(c)));
      } else {
        for (const e of sides) this.filter(starOf(e).map((v) => ({ ...v, uncertain: true })));
      }
    }
    for (const name of names) for (const e of sides) this.filter(columnOf(e, name));
  }

  /**
   * Walks an expression. In a filter context the columns are recorded at once and nothing is returned;
   * otherwise the sources of the expression's value are returned for the consumer to record.
   */
  expr(node: unknown, scope: Scope, ctx: Context): Source[] {
    if (Array.isArray(node)) return node.flatMap((child) => this.expr(child, scope, ctx));
    const n = nodeOf(node);
    if (!n) {
      if (!isObject(node)) return [];
      return Object.values(node).flatMap((child) => this.expr(child, scope, ctx));
    }
    const [type, f] = n;
    const inner: Context = ctx === "filter" ? "filter" : "derived";
    switch (type) {
      case "ColumnRef": {
        const sources = this.resolve(nameList(f.fields), scope);
        if (ctx === "filter") {
          this.filter(sources);
          return [];
        }
        return ctx === "derived" ? asDerived(sources) : sources;
      }
      case "FuncCall": {
        const asColumn = keywordAsColumnRef(node);
        if (asColumn) return this.expr({ ColumnRef: asColumn }, scope, ctx);
        const names = nameList(f.funcname);
        this.function(names);
        this.expr(f.agg_filter, scope, "filter");
        this.expr(f.over, scope, "filter");
        this.expr(f.agg_order, scope, "filter");
        if (mayBeVolatile(names, this.catalog)) {
          // A volatile function gets the value itself and may send it anywhere (a NOTIFY payload, a large
          // object, a sequence, a setting), whatever clause or subquery the call sits in, and however its
          // own result is used afterwards: what it is given leaves here.
          const args = this.expr(f.args, scope, "derived");
          this.effects.consume(args, "derived");
          return ctx === "filter" ? [] : asDerived(args);
        }
        if (ctx !== "filter" || isFilterSafe(names)) return asDerived(this.expr(f.args, scope, inner));
        // Called in a filter, a function still gets the value itself and may turn it into an error or a
        // value only a few built-ins are known not to: its arguments are derived.
        this.effects.consume(this.expr(f.args, scope, "derived"), "derived");
        return [];
      }
      case "SubLink": {
        const linkType = str(f.subLinkType);
        const outputs = this.queryLike(f.subselect, scope);
        const carried = outputs.flatMap((o) => o.sources);
        const test = this.expr(f.testexpr, scope, inner);
        if (ctx !== "filter" && (linkType === "EXPR_SUBLINK" || linkType === "ARRAY_SUBLINK" || linkType === "MULTIEXPR_SUBLINK")) {
          return asDerived([...carried, ...test]);
        }
        this.filter(carried);
        return asDerived(test);
      }
      case "A_Expr":
      case "TypeCast": {
        // An operator or a type the server does not build in runs a function the text does not name (an
        // operator's function, a domain's CHECK, a cast or input function), which may be volatile: what
        // it is given leaves, as for a volatile function called by name.
        const known = type === "A_Expr" ? isBuiltinOperator(nameList(f.name)) : isBuiltinType(nameList(isObject(f.typeName) ? f.typeName.names : undefined));
        if (known) return asDerived(Object.values(f).flatMap((child) => this.expr(child, scope, inner)));
        const operands = this.expr(type === "A_Expr" ? [f.lexpr, f.rexpr] : f.arg, scope, "derived");
        this.effects.consume(operands, "derived");
        return ctx === "filter" ? [] : asDerived(operands);
      }
      case "SelectStmt":
        return asDerived(this.select(f, scope).flatMap((o) => o.sources));
      case "SortBy":
        return this.expr(f.node, scope, ctx);
      default:
        return asDerived(Object.values(f).flatMap((child) => this.expr(child, scope, inner)));
    }
  }

  private filter(sources: Source[]): void {
    this.effects.consume(sources, "filter");
  }

  function(names: string[]): void {
    const name = names.map((n) => n.toLowerCase()).join(".");
    this.effects.functions.add(name);
    const effect = sideEffectOf(names);
    if (effect) this.effects.sideEffects.set(effect.function, effect);
    const bare = names[names.length - 1]?.toLowerCase() ?? "";
    if (DYNAMIC_SQL_FUNCTIONS.has(bare)) this.effects.dynamicReasons.add(`function ${bare} runs SQL text`);
  }

  insert(f: Fields, parent: Scope | undefined): OutputColumn[] {
    const scope = new Scope(parent);
    this.withClause(f.withClause, scope);
    // Rows inserted from a query copy values into another table, out of reach of masking. The target is
    // not in that query's namespace: its names resolve without it.
    const rows = this.queryLike(f.selectStmt, scope).flatMap((o) => o.sources);
    const target = this.writeTarget(f.relation, scope);
    if (target) this.effects.writes.push({ command: "INSERT", table: target.table, where_bounded: null });
    for (const col of list(f.cols)) {
      const name = str(fieldsOf(col, "ResTarget")?.name);
      if (name && target) this.effects.column(target.table, name, "write");
    }
    this.effects.consume(rows, "derived");
    const conflict = isObject(f.onConflictClause) ? (fieldsOf(f.onConflictClause, "OnConflictClause") ?? f.onConflictClause) : undefined;
    if (conflict) {
      // `excluded` is the row proposed for insertion: its columns change with every proposed row.
      const excluded: RangeEntry = { kind: "derived", alias: "excluded", outputs: [] };
      scope.entries.push(excluded);
      this.expr(conflict.infer, scope, "filter");
      this.assignments(conflict.targetList, scope, target?.table);
      this.expr(conflict.whereClause, scope, "filter");
      if (target && str(conflict.action) === "ONCONFLICT_UPDATE") {
        // DO UPDATE changes every existing row a proposed row collides with: rows written out in the
        // statement pin those rows, a query over a table may propose (and so update) all of them.
        const literal = f.selectStmt === undefined || isLiteralRows(f.selectStmt);
        const bound = this.bound(scope, target.entry, [], new Set([excluded]));
        const bounded = literal || boundsTarget(conflict.whereClause, bound);
        this.effects.writes.push({ command: "UPDATE", table: target.table, where_bounded: bounded, via: "INSERT ON CONFLICT" });
      }
    }
    return this.targets(returning(f), scope);
  }

  update(f: Fields, parent: Scope | undefined): OutputColumn[] {
    const scope = new Scope(parent);
    this.withClause(f.withClause, scope);
    const target = this.writeTarget(f.relation, scope);
    for (const item of list(f.fromClause)) this.range(item, scope);
    this.assignments(f.targetList, scope, target?.table);
    this.expr(f.whereClause, scope, "filter");
    if (target) {
      const bounded = boundsTarget(f.whereClause, this.bound(scope, target.entry, list(f.fromClause), new Set()));
      this.effects.writes.push({ command: "UPDATE", table: target.table, where_bounded: bounded });
    }
    return this.targets(returning(f), scope);
  }

  delete(f: Fields, parent: Scope | undefined): OutputColumn[] {
    const scope = new Scope(parent);
    this.withClause(f.withClause, scope);
    const target = this.writeTarget(f.relation, scope);
    for (const item of list(f.usingClause)) this.range(item, scope);
    this.expr(f.whereClause, scope, "filter");
    if (target) {
      const bounded = boundsTarget(f.whereClause, this.bound(scope, target.entry, list(f.usingClause), new Set()));
      this.effects.writes.push({ command: "DELETE", table: target.table, where_bounded: bounded });
    }
    return this.targets(returning(f), scope);
  }

  /**
   * MERGE: each WHEN clause is a write of its own. A MATCHED action changes the target rows the join
   * condition matches, so the join condition or the clause's own condition may bound it; a NOT MATCHED
   * BY SOURCE action changes the rows the join matches none of, so only its own condition can.
   */
  merge(f: Fields, parent: Scope | undefined): OutputColumn[] {
    const scope = new Scope(parent);
    this.withClause(f.withClause, scope);
    const target = this.writeTarget(f.relation, scope);
    // The statement as a whole (for rules about MERGE itself), then each action with its own bound.
    if (target) this.effects.writes.push({ command: "MERGE", table: target.table, where_bounded: null });
    this.range(f.sourceRelation, scope);
    this.expr(f.joinCondition, scope, "filter");
    const bound = target ? this.bound(scope, target.entry, [f.sourceRelation], new Set()) : undefined;
    for (const item of list(f.mergeWhenClauses)) {
      const when = fieldsOf(item, "MergeWhenClause");
      if (!when) continue;
      this.expr(when.condition, scope, "filter");
      this.assignments(when.targetList, scope, target?.table);
      this.effects.consume(this.expr(when.values, scope, "derived"), "derived");
      if (!target || !bound) continue;
      const command = MERGE_COMMANDS[str(when.commandType) ?? ""];
      if (command === undefined) continue;
      if (command === "INSERT") {
        this.effects.writes.push({ command, table: target.table, where_bounded: null, via: "MERGE" });
        continue;
      }
      const kind = str(when.matchKind) ?? (when.matched === true ? "MERGE_WHEN_MATCHED" : "MERGE_WHEN_NOT_MATCHED_BY_SOURCE");
      const byJoin = kind === "MERGE_WHEN_MATCHED" && boundsTarget(f.joinCondition, bound);
      const bounded = byJoin || boundsTarget(when.condition, bound);
      this.effects.writes.push({ command, table: target.table, where_bounded: bounded, via: "MERGE" });
    }
    return this.targets(returning(f), scope);
  }

  /** SET col = expr: the column is written, and whatever the value is computed from is derived. */
  private assignments(targetList: unknown, scope: Scope, target: RelationName | undefined): void {
    for (const item of list(targetList)) {
      const t = fieldsOf(item, "ResTarget");
      if (!t) continue;
      const name = str(t.name);
      if (name && target) this.effects.column(target, name, "write");
      this.effects.consume(this.expr(t.val, scope, "derived"), "derived");
    }
  }

  /** Records the write's target table and makes it the first entry of the write's scope. */
  private writeTarget(rangeVar: unknown, scope: Scope): { table: RelationName; entry: RangeEntry } | undefined {
    const relation = relationOf(rangeVar);
    if (!relation) return undefined;
    this.effects.table(relation, "write");
    const fields = isObject(rangeVar) ? (fieldsOf(rangeVar, "RangeVar") ?? rangeVar) : {};
    const entry: RangeEntry = { kind: "table", alias: aliasOf(fields) ?? relation.name, table: relation };
    scope.entries.push(entry);
    return { table: relation, entry };
  }

  private bound(scope: Scope, target: RangeEntry, sources: unknown[], rowDependent: Set<RangeEntry>): BoundContext {
    return { scope, target, literalAliases: literalAliases(sources), rowDependent, catalog: this.catalog };
  }
}

/** The write each MERGE action makes (DO NOTHING makes none). */
const MERGE_COMMANDS: Record<string, "INSERT" | "UPDATE" | "DELETE"> = { CMD_INSERT: "INSERT", CMD_UPDATE: "UPDATE", CMD_DELETE: "DELETE" };

/** RETURNING targets: PostgreSQL 18 wraps them in `returningClause` (to carry OLD/NEW aliases). */
function returning(f: Fields): unknown {
  const clause = f.returningClause;
  return isObject(clause) ? clause.exprs : f.returningList;
}

function asOutputs(sources: Source[]): OutputColumn[] {
  return [{ name: null, sources: asDerived(sources) }];
}

function aliasColumns(f: Fields): string[] {
  const alias = f.alias;
  return isObject(alias) ? nameList(alias.colnames) : [];
}

function functionAlias(f: Fields): string | undefined {
  for (const item of list(f.functions)) {
    const call = fieldsOf(list(item)[0], "FuncCall");
    if (call) return nameList(call.funcname).pop();
  }
  return undefined;
}

/**
 * FULL JOIN ... USING and NATURAL FULL JOIN return each join column as COALESCE(left, right): a computed
 * value, which the wire reports without an origin. Unqualified references and `*` reach it, so it is a
 * derived relation of its own (one per side for NATURAL, which names no columns: any column of either
 * side may be one).
 */
function fullJoinColumns(f: Fields, sides: RangeEntry[]): OutputColumn[][] {
  if (str(f.jointype) !== "JOIN_FULL") return [];
  if (f.isNatural === true) {
    return sides.map((e) => (e.kind === "table" ? [{ name: "*", sources: asDerived(starOf(e)) }] : e.outputs.map((o) => ({ ...o, sources: asDerived(o.sources) }))));
  }
  const using = list(f.usingClause).flatMap((item): OutputColumn[] => {
    const name = str(fieldsOf(item, "String")?.sval);
    return name ? [{ name, sources: asDerived(sides.flatMap((e) => columnOf(e, name))) }] : [];
  });
  return using.length > 0 ? [using] : [];
}

function relationFromQualifier(qualifier: string[]): RelationName {
  const name = qualifier[qualifier.length - 1]!;
  return { schema: qualifier.length >= 2 ? qualifier[qualifier.length - 2]! : null, name };
}
