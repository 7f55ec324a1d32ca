import * as assert from "uvu/assert";
import { loadSqlParser, normalizeSql } from "../../../engine/actions/sql/index.js";
import type { ColumnUse, RelationName, SqlStatement, TableUse } from "../../../engine/actions/sql/index.js";

/** The real PostgreSQL parser (WASM) is loaded once per test process, as the gateway does at start. */
await loadSqlParser();

export { normalizeSql };

/** The single statement `sql` holds; fails the test when it does not parse or holds more or fewer. */
export function one(sql: string): SqlStatement {
  const action = normalizeSql(sql);
  assert.equal(action.parse_error, undefined, `${sql} should parse`);
  assert.is(action.statements.length, 1, `${sql} should be one statement`);
  return action.statements[0]!;
}

export function rel(name: string, schema: string | null = null): RelationName {
  return { schema, name };
}

/** `public.users` or `users` (schema null). */
function relationText(relation: RelationName | null): string {
  if (relation === null) return "?";
  return relation.schema === null ? relation.name : `${relation.schema}.${relation.name}`;
}

/** A table use as `users:read`, `audit.events:ddl`, in the order the document lists them. */
export function tables(statement: SqlStatement): string[] {
  return statement.tables.map((t: TableUse) => `${relationText(t)}:${t.access}`);
}

/**
 * Column uses as `users.email output` (`?.ssn output` when the table is null), sorted: the document
 * does not promise an order, only the set of uses, so the set is compared exactly.
 */
export function columns(statement: SqlStatement): string[] {
  return statement.columns.map((c: ColumnUse) => `${relationText(c.table)}.${c.column} ${c.usage}`).sort();
}

/** Write effects as `DELETE users bounded=false`. */
export function writes(statement: SqlStatement): string[] {
  return statement.writes.map((w) => `${w.command} ${relationText(w.table)} bounded=${String(w.where_bounded)}`);
}
