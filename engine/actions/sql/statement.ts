import { fieldsOf, isObject, list, nameList, nodeOf, relationFromNames, relationOf, str } from "./ast.js";
import {
  commandFromNodeType,
  objectCommand,
  RELATION_OBJECT_TYPES,
  TRANSACTION_COMMANDS,
  UTILITY_COMMANDS,
} from "./commands.js";
import type { CatalogIndex } from "./catalog.js";
import { Effects } from "./lineage.js";
import { booleanOption, EXPLAIN_OPTIONS, UnknownOptionError } from "./option-values.js";
import type { PgNode } from "./parser.js";
import { QueryAnalyzer } from "./query-analyzer.js";
import { Scope } from "./scope.js";
import type { LockMode, SqlStatement, StatementCategory, TableAccess } from "./types.js";

type Fields = Record<string, unknown>;
type Extras = Pick<SqlStatement, "copy" | "prepared_name" | "cursor_name" | "cursor_hold" | "savepoint_name" | "setting" | "explain" | "lock">;
interface Shape {
  command: string;
  category: StatementCategory;
  extras?: Extras;
}

/** Analyses one parsed statement into its action-document entry. */
export function analyzeStatement(node: PgNode, text: string, catalog?: CatalogIndex): SqlStatement {
  const effects = new Effects();
  const shape = new StatementVisitor(effects, catalog).visit(node);
  const updatesAndDeletes = effects.writes.filter((w) => w.command === "UPDATE" || w.command === "DELETE");
  const statement: SqlStatement = {
    command: shape.command,
    category: shape.category,
    text,
    tables: [...effects.tables.values()],
    columns: [...effects.columns.values()],
    functions: [...effects.functions],
    writes: effects.writes,
    where_bounded: updatesAndDeletes.length === 0 ? null : updatesAndDeletes.every((w) => w.where_bounded === true),
    dynamic_sql: effects.dynamicReasons.size > 0,
    dynamic_reasons: [...effects.dynamicReasons],
  };
  if (effects.sideEffects.size > 0) statement.side_effects = [...effects.sideEffects.values()];
  return Object.assign(statement, shape.extras);
}

class StatementVisitor {
  private readonly effects: Effects;
  private readonly queries: QueryAnalyzer;
  constructor(effects: Effects, catalog: CatalogIndex | undefined) {
    this.effects = effects;
    this.queries = new QueryAnalyzer(effects, catalog);
  }

  visit(node: unknown): Shape {
    const n = nodeOf(node);
    if (!n) return { command: "UNKNOWN", category: "other" };
    const [type, f] = n;
    switch (type) {
      case "SelectStmt":
        return this.select(f);
      case "InsertStmt":
      case "UpdateStmt":
      case "DeleteStmt":
      case "MergeStmt": {
        const outputs = this.queries.queryLike(node, undefined);
        this.effects.consume(outputs.flatMap((o) => o.sources), "value");
        return { command: type.replace(/Stmt$/, "").toUpperCase(), category: "dml" };
      }
      case "CopyStmt":
        return this.copy(f);
      case "ExplainStmt":
        return this.explain(f);
      case "PrepareStmt": {
        const inner = this.visit(f.query);
        return { command: "PREPARE", category: "prepared", extras: { prepared_name: str(f.name) ?? "", ...inner.extras } };
      }
      case "ExecuteStmt":
        this.effects.consume(this.queries.expr(f.params, new Scope(), "derived"), "derived");
        return { command: "EXECUTE", category: "prepared", extras: { prepared_name: str(f.name) ?? "" } };
      case "DeclareCursorStmt": {
        const inner = this.visit(f.query);
        // CURSOR_OPT_HOLD (parsenodes.h): WITH HOLD, the cursor outlives the transaction that commits it.
        const hold = (Number(f.options ?? 0) & 0x20) !== 0;
        return { command: "DECLARE CURSOR", category: "cursor", extras: { ...inner.extras, cursor_name: str(f.portalname) ?? "", ...(hold ? { cursor_hold: true } : {}) } };
      }
      case "DeallocateStmt":
        // DEALLOCATE ALL has no name: `prepared_name` is then absent.
        return { ...UTILITY_COMMANDS[type]!, extras: str(f.name) !== undefined ? { prepared_name: str(f.name)! } : {} };
      case "FetchStmt":
      case "ClosePortalStmt":
        return { ...UTILITY_COMMANDS[type]!, extras: { cursor_name: str(f.portalname) ?? "" } };
      case "TransactionStmt": {
        const savepoint = str(f.savepoint_name);
        return { command: TRANSACTION_COMMANDS[str(f.kind) ?? ""] ?? "TRANSACTION", category: "transaction", ...(savepoint !== undefined ? { extras: { savepoint_name: savepoint } } : {}) };
      }
      case "VariableSetStmt":
        return this.set(f);
      case "VariableShowStmt":
        return { command: "SHOW", category: "session", extras: { setting: { name: str(f.name) ?? "", value: null } } };
      case "DoStmt":
        this.effects.dynamicReasons.add("DO block runs procedural code");
        return UTILITY_COMMANDS[type]!;
      case "CallStmt": {
        // CALL's funccall is bare FuncCall fields; wrap it so the expression walker records the function.
        const call = nodeOf(f.funccall) ? f.funccall : { FuncCall: f.funccall };
        this.effects.consume(this.queries.expr(call, new Scope(), "derived"), "derived");
        return UTILITY_COMMANDS[type]!;
      }
      case "CreateTableAsStmt":
        return this.createTableAs(f);
      case "ViewStmt":
        this.relation(f.view, "ddl");
        this.effects.consume(this.queries.queryLike(f.query, undefined).flatMap((o) => o.sources), "derived");
        return UTILITY_COMMANDS[type]!;
      case "TruncateStmt":
        for (const rel of list(f.relations)) {
          const relation = relationOf(rel);
          if (!relation) continue;
          this.effects.table(relation, "write");
          this.effects.writes.push({ command: "TRUNCATE", table: relation, where_bounded: null });
        }
        return UTILITY_COMMANDS[type]!;
      case "DropStmt":
        return this.drop(f);
      case "CommentStmt":
      case "SecLabelStmt":
        this.namedObject(f);
        return UTILITY_COMMANDS[type]!;
      case "LockStmt": {
        for (const rel of list(f.relations)) this.relation(rel, "write");
        // The parse tree numbers the modes as the server's lockdefs.h does; an unknown number is the strongest.
        const mode = LOCK_MODES[typeof f.mode === "number" ? f.mode : 0] ?? "ACCESS EXCLUSIVE";
        return { ...UTILITY_COMMANDS[type]!, extras: { lock: { mode } } };
      }
      case "GrantStmt":
        if (RELATION_OBJECT_TYPES.has(str(f.objtype) ?? "")) for (const rel of list(f.objects)) this.relation(rel, "ddl");
        return { command: f.is_grant === true ? "GRANT" : "REVOKE", category: "dcl" };
      default: {
        const known = UTILITY_COMMANDS[type];
        const shape = known ?? { command: commandFromNodeType(type), category: "other" as const };
        const access: TableAccess = shape.category === "dml" ? "write" : shape.category === "ddl" || shape.category === "dcl" ? "ddl" : "read";
        this.relationsWithin(f, access);
        if (type === "AlterTableStmt") this.alterExpressions(f);
        // A rule's actions run with every later statement on its table: their writes are judged now.
        if (type === "RuleStmt") for (const action of list(f.actions)) this.effects.consume(this.queries.queryLike(action, undefined).flatMap((o) => o.sources), "derived");
        if (type === "AlterTableStmt" || type === "RenameStmt") {
          return { ...shape, command: type === "AlterTableStmt" ? objectCommand("ALTER", str(f.objtype)) : shape.command };
        }
        return shape;
      }
    }
  }

  private select(f: Fields): Shape {
    const outputs = this.queries.select(f, undefined);
    const into = isObject(f.intoClause) ? f.intoClause : undefined;
    if (into) {
      this.relation(into.rel, "ddl");
      this.effects.consume(outputs.flatMap((o) => o.sources), "derived");
      return { command: "SELECT INTO", category: "ddl" };
    }
    this.effects.consume(outputs.flatMap((o) => o.sources), "value");
    return { command: list(f.valuesLists).length > 0 ? "VALUES" : "SELECT", category: "query" };
  }

  private copy(f: Fields): Shape {
    const from = f.is_from === true;
    const endpoint = f.is_program === true ? "program" : str(f.filename) !== undefined ? "file" : "stdio";
    const extras: Extras = { copy: { direction: from ? "from" : "to", endpoint } };
    const relation = relationOf(f.relation);
    const columns = list(f.attlist).map((c) => str(fieldsOf(c, "String")?.sval) ?? "?");
    if (relation) {
      this.effects.table(relation, from ? "write" : "read");
      if (from) this.effects.writes.push({ command: "COPY", table: relation, where_bounded: null });
      // COPY's rows carry no column origins on the wire: what it sends out is derived.
      for (const column of columns.length > 0 ? columns : ["*"]) this.effects.column(relation, column, from ? "write" : "derived");
    }
    if (f.query !== undefined) {
      this.effects.consume(this.queries.queryLike(f.query, undefined).flatMap((o) => o.sources), "derived");
    }
    return { command: "COPY", category: from ? "dml" : "query", extras };
  }

  private explain(f: Fields): Shape {
    let analyze = false;
    for (const option of list(f.options)) {
      const def = fieldsOf(option, "DefElem");
      const name = str(def?.defname) ?? "";
      if (!EXPLAIN_OPTIONS.has(name)) throw new UnknownOptionError("EXPLAIN", name);
      // The last mention wins, as on the server; a value the server would refuse counts as running.
      if (name === "analyze") analyze = booleanOption(def?.arg) ?? true;
    }
    // The explained statement's effects are recorded either way: EXPLAIN ANALYZE runs it.
    const inner = this.visit(f.query);
    return { command: "EXPLAIN", category: analyze ? inner.category : "utility", extras: { ...inner.extras, explain: { analyze } } };
  }

  private set(f: Fields): Shape {
    const kind = str(f.kind) ?? "";
    const name = str(f.name) ?? (kind === "VAR_SET_MULTI" ? "transaction" : "");
    const reset = kind === "VAR_RESET" || kind === "VAR_RESET_ALL" || kind === "VAR_SET_DEFAULT";
    const values = list(f.args).map(constantText).filter((v): v is string => v !== undefined);
    const value = reset ? null : values.join(", ");
    return { command: reset ? "RESET" : "SET", category: "session", extras: { setting: { name: kind === "VAR_RESET_ALL" ? "all" : name, value } } };
  }

  private createTableAs(f: Fields): Shape {
    const into = isObject(f.into) ? f.into : undefined;
    if (into) this.relation(into.rel, "ddl");
    this.effects.consume(this.queries.queryLike(f.query, undefined).flatMap((o) => o.sources), "derived");
    const view = str(f.objtype) === "OBJECT_MATVIEW";
    return { command: view ? "CREATE MATERIALIZED VIEW" : "CREATE TABLE AS", category: "ddl" };
  }

  private drop(f: Fields): Shape {
    const objectType = str(f.removeType);
    if (objectType && RELATION_OBJECT_TYPES.has(objectType)) {
      for (const object of list(f.objects)) {
        const relation = relationFromNames(nameList(object));
        if (relation) this.effects.table(relation, "ddl");
      }
    }
    return { command: objectCommand("DROP", objectType), category: "ddl" };
  }

  /** COMMENT and SECURITY LABEL name their object by a bare name list: `public.users`, `users.ssn` for a column. */
  private namedObject(f: Fields): void {
    const objectType = str(f.objtype);
    const names = nameList(f.object);
    const relation =
      objectType === "OBJECT_COLUMN"
        ? relationFromNames(names.slice(0, -1))
        : objectType && RELATION_OBJECT_TYPES.has(objectType)
          ? relationFromNames(names)
          : undefined;
    if (relation) this.effects.table(relation, "ddl");
  }

  /**
   * Expressions in ALTER TABLE compute over the table's own rows and store the result: a type change's
   * USING, a GENERATED column, a CHECK. `ALTER COLUMN name TYPE text USING email` copies a column.
   */
  private alterExpressions(f: Fields): void {
    const relation = relationOf(f.relation);
    if (!relation) return;
    const scope = new Scope();
    scope.entries.push({ kind: "table", alias: relation.name, table: relation });
    this.effects.consume(this.queries.expr(f.cmds, scope, "derived"), "derived");
  }

  private relation(rangeVar: unknown, access: TableAccess): void {
    const relation = relationOf(rangeVar);
    if (relation) this.effects.table(relation, access);
  }

  /** Every relation named anywhere inside a utility statement, with one access for all. */
  private relationsWithin(value: unknown, access: TableAccess): void {
    if (Array.isArray(value)) {
      for (const v of value) this.relationsWithin(v, access);
      return;
    }
    if (!isObject(value)) return;
    const n = nodeOf(value);
    // Utility statements carry their relation as bare RangeVar fields (`relation: {relname, …}`), not
    // wrapped in a `{RangeVar: …}` node as FROM lists do.
    if (n?.[0] === "RangeVar" || (!n && typeof value.relname === "string")) {
      this.relation(value, access);
      return;
    }
    if (n?.[0] === "FuncCall") this.queries.function(nameList(n[1].funcname));
    for (const child of Object.values(n ? n[1] : value)) this.relationsWithin(child, access);
  }
}

/** Lock modes by their number in the parse tree (1 = AccessShareLock … 8 = AccessExclusiveLock). */
const LOCK_MODES: Record<number, LockMode> = {
  1: "ACCESS SHARE",
  2: "ROW SHARE",
  3: "ROW EXCLUSIVE",
  4: "SHARE UPDATE EXCLUSIVE",
  5: "SHARE",
  6: "SHARE ROW EXCLUSIVE",
  7: "EXCLUSIVE",
  8: "ACCESS EXCLUSIVE",
};

/** The text of a constant in SET's argument list (`'UTC'`, `42`, `on`). */
function constantText(value: unknown): string | undefined {
  const c = fieldsOf(value, "A_Const") ?? fieldsOf(fieldsOf(value, "TypeCast")?.arg, "A_Const");
  if (!c) return undefined;
  const sval = fieldsOf(c.sval, "String") ?? (isObject(c.sval) ? c.sval : undefined);
  if (sval && typeof sval.sval === "string") return sval.sval;
  const ival = isObject(c.ival) ? c.ival.ival : undefined;
  if (typeof ival === "number") return String(ival);
  if (c.ival !== undefined && isObject(c.ival)) return "0";
  const fval = isObject(c.fval) ? c.fval.fval : undefined;
  if (typeof fval === "string") return fval;
  const boolval = isObject(c.boolval) ? c.boolval.boolval : undefined;
  if (boolval !== undefined) return boolval === true ? "true" : "false";
  return undefined;
}
