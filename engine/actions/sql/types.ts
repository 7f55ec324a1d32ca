/**
 * The `sql` action document: what a piece of SQL text does, not how it was spelled.
 * These types mirror `schemas/action.sql.json`; the schema is the contract policies are written against.
 */

/** A relation as written in the statement. `schema` is null when unqualified (resolved by search_path at run time). */
export interface RelationName {
  schema: string | null;
  name: string;
}

export type TableAccess = "read" | "write" | "ddl";

export interface TableUse extends RelationName {
  access: TableAccess;
}

/**
 * How a referenced column's value is used:
 * - `output`: returned to the client unchanged, so a result column traces back to it (maskable on the wire);
 * - `derived`: flows into something computed (an expression, an aggregate, a whole-row value, a set operation,
 *   another table, COPY output, a view): the value can leave in a form the wire cannot trace back;
 * - `filter`: only decides which rows are touched (WHERE, JOIN, GROUP BY, ORDER BY, HAVING, EXISTS);
 * - `write`: the column is assigned (INSERT column list, UPDATE SET target).
 */
export type ColumnUsage = "output" | "derived" | "filter" | "write";

export interface ColumnUse {
  /** The base table the column belongs to, or null when it cannot be told from the text alone. */
  table: RelationName | null;
  /** The column name, or `*` for every column of the table (SELECT *, t.*, a whole-row reference, COPY). */
  column: string;
  usage: ColumnUsage;
}

export type StatementCategory =
  | "query"
  | "dml"
  | "ddl"
  | "dcl"
  | "transaction"
  | "session"
  | "cursor"
  | "prepared"
  | "utility"
  | "other";

export interface WriteEffect {
  command: "INSERT" | "UPDATE" | "DELETE" | "MERGE" | "TRUNCATE" | "COPY";
  table: RelationName;
  /**
   * For a change of existing rows (UPDATE and DELETE, by themselves, in a MERGE WHEN clause or an INSERT's
   * ON CONFLICT DO UPDATE): true when a predicate on the target's own columns restricts which rows change
   * (see engine/actions/sql/write-bounds.ts for the rule), false otherwise; null for a write that adds rows,
   * and for a MERGE as a whole (each of its actions is listed after it with its own bound).
   */
  where_bounded: boolean | null;
  /** The statement that makes this change when it is not the command itself: `MERGE`, `INSERT ON CONFLICT`. */
  via?: "MERGE" | "INSERT ON CONFLICT";
}

/**
 * A built-in function called for an effect that outlives the statement, readable afterwards by another
 * statement or session: a large object, a notification, a sequence value, a setting, an advisory lock,
 * a logical-decoding message. Such a call writes, even inside a SELECT.
 */
export interface SideEffect {
  function: string;
  kind: "large_object" | "notify" | "sequence" | "setting" | "lock" | "wal_message";
}

export interface CopyInfo {
  direction: "to" | "from";
  /** `stdio` is the client connection; `file` and `program` run on the database server. */
  endpoint: "stdio" | "file" | "program";
}

export interface SqlStatement {
  /** Upper-case command tag, as PostgreSQL would name it (SELECT, DELETE, CREATE TABLE, BEGIN…). */
  command: string;
  category: StatementCategory;
  /** The statement's own text, cut from the request. */
  text: string;
  tables: TableUse[];
  columns: ColumnUse[];
  /** Functions called, schema-qualified when written so (`pg_catalog.now`), lower-case. */
  functions: string[];
  /** Every data change the statement makes, including those inside CTEs. */
  writes: WriteEffect[];
  /** For a statement holding UPDATE or DELETE: false when any of them is unbounded; null otherwise. */
  where_bounded: boolean | null;
  /** True when the statement runs SQL text the gateway cannot see (DO, dynamic-SQL functions, dblink…). */
  dynamic_sql: boolean;
  /** Why `dynamic_sql` is set, one entry per cause (for example `DO block`, `function query_to_xml`). */
  dynamic_reasons: string[];
  /** Calls with an effect beyond the statement (present only when there is one); each also counts as a write. */
  side_effects?: SideEffect[];
  copy?: CopyInfo;
  /** Name of the prepared statement defined (PREPARE) or run (EXECUTE), or of the cursor declared/fetched. */
  prepared_name?: string;
  cursor_name?: string;
  /** DECLARE … WITH HOLD: the cursor outlives the transaction that commits it. */
  cursor_hold?: boolean;
  /** SAVEPOINT, RELEASE and ROLLBACK TO: the savepoint named. */
  savepoint_name?: string;
  /** For SET/RESET/SHOW: the parameter and, for SET, its value as text. */
  setting?: { name: string; value: string | null };
  /** EXPLAIN ANALYZE executes its statement; plain EXPLAIN does not. */
  explain?: { analyze: boolean };
  /** LOCK TABLE: the table-level lock mode it takes (`ACCESS EXCLUSIVE` when none is written), as the server names it. */
  lock?: { mode: LockMode };
}

/** PostgreSQL's table-level lock modes, weakest first. https://www.postgresql.org/docs/current/explicit-locking.html */
export type LockMode =
  | "ACCESS SHARE"
  | "ROW SHARE"
  | "ROW EXCLUSIVE"
  | "SHARE UPDATE EXCLUSIVE"
  | "SHARE"
  | "SHARE ROW EXCLUSIVE"
  | "EXCLUSIVE"
  | "ACCESS EXCLUSIVE";

export interface SqlParseError {
  message: string;
  /** 0-based character offset into the request text where parsing failed. */
  position: number;
}

export interface SqlAction {
  kind: "sql";
  statements: SqlStatement[];
  /** Present when the text did not parse or could not be analysed; `statements` is then empty. */
  parse_error?: SqlParseError;
}
