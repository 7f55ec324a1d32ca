import { fieldsOf, list, nameList, str } from "./ast.js";

/**
 * Words the analyzer's grammar reads as SQL-syntax function calls that an older server's grammar
 * reads as plain identifiers. PostgreSQL 16 made SYSTEM_USER a keyword: the parser sees
 * `SELECT system_user FROM (SELECT email AS system_user FROM users) s` as a call of
 * pg_catalog.system_user(), while PostgreSQL 15 and older return the column `system_user` of `s`, the
 * email. Such a word is resolved as the column reference it may be; on a newer server it is a function
 * whose value reveals nothing, so reading it as a column fails closed either way.
 * https://www.postgresql.org/docs/16/release-16.html (SYSTEM_USER)
 */
const KEYWORDS_NEWER_THAN_OLDEST_SERVER = new Set(["system_user"]);

/**
 * The ColumnRef fields a keyword call stands for on a server that reads it as an identifier: a
 * FuncCall written in SQL syntax (no parentheses, no arguments) whose name is one of those words.
 */
export function keywordAsColumnRef(node: unknown): Record<string, unknown> | undefined {
  const call = fieldsOf(node, "FuncCall");
  if (!call || str(call.funcformat) !== "COERCE_SQL_SYNTAX" || list(call.args).length > 0) return undefined;
  const names = nameList(call.funcname);
  const bare = names[names.length - 1]?.toLowerCase();
  if (bare === undefined || !KEYWORDS_NEWER_THAN_OLDEST_SERVER.has(bare)) return undefined;
  return { fields: [{ String: { sval: bare } }], location: call.location };
}
