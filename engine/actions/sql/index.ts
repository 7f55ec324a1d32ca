import { SqlActionCache } from "./action-cache.js";
import { grammarDivergence } from "./grammar.js";
import { loadSqlParser, parseSql } from "./parser.js";
import type { CatalogIndex } from "./catalog.js";
import { analyzeStatement } from "./statement.js";
import { StatementSlicer } from "./statement-text.js";
import type { SqlAction } from "./types.js";

export type * from "./types.js";
export { CatalogIndex, type SqlCatalog, type CatalogRelation, type CatalogFunction } from "./catalog.js";
export { loadSqlParser };
export { fingerprintSql } from "./fingerprint.js";

/**
 * This process's cache of action documents by statement shape (action-cache.ts). The engine empties it
 * when the policy is reloaded; `enabled = false` turns it off (the differential test compares both).
 */
export const sqlActionCache = new SqlActionCache();

export interface SqlNormalizeOptions {
  /** Requests larger than this are not parsed: they become a parse error (and a deny). */
  maxBytes?: number;
  /** The target's catalog: names are resolved as the server resolves them. Absent: every candidate counts. */
  catalog?: CatalogIndex;
  /** The target server's major version: a statement its grammar reads differently is not analyzed (grammar.ts). */
  serverMajor?: number;
}

export const DEFAULT_MAX_SQL_BYTES = 4 * 1024 * 1024;

/**
 * Turns SQL text into a `sql` action document: one entry per statement. Never throws: text that does
 * not parse, or is too large or too deep to analyse, yields an action with `parse_error` and no statements.
 * `loadSqlParser()` must have resolved first.
 */
export function normalizeSql(text: string, options: SqlNormalizeOptions = {}): SqlAction {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_SQL_BYTES;
  return sqlActionCache.normalize(text, { ...options, maxBytes }, (sql) => analyseSql(sql, options, maxBytes));
}

/** Parses and analyses `text`, uncached. */
function analyseSql(text: string, options: SqlNormalizeOptions, maxBytes: number): SqlAction {
  if (text.length > maxBytes || Buffer.byteLength(text, "utf8") > maxBytes) {
    return { kind: "sql", statements: [], parse_error: { message: `statement text exceeds ${maxBytes} bytes`, position: 0 } };
  }
  // An empty query string is valid on the wire (the server answers EmptyQueryResponse); the parser
  // rejects only the empty string itself, so it is answered here as text with no statements. Text of
  // whitespace and comments is left to the parser, whose scanner is the server's: a `--` comment ends at
  // `\r` as well as `\n`, so `-- x\rDELETE …` is a DELETE, not an empty query.
  if (text.length === 0) return { kind: "sql", statements: [] };
  const parsed = parseSql(text);
  if (!parsed.ok) return { kind: "sql", statements: [], parse_error: { message: parsed.message, position: parsed.position } };
  const divergence = grammarDivergence(text, parsed.tree, options.serverMajor);
  if (divergence) return { kind: "sql", statements: [], parse_error: { message: divergence, position: 0 } };
  try {
    const slicer = new StatementSlicer(text);
    const statements = parsed.statements.map((s) => analyzeStatement(s.node, slicer.text(s.location, s.length), options.catalog));
    return { kind: "sql", statements };
  } catch (error) {
    // A parse tree too deep for the analyser's recursion (or any analyser bug) must deny, not crash.
    const reason = error instanceof RangeError ? "statement too deeply nested to analyse" : `statement could not be analysed: ${String(error)}`;
    return { kind: "sql", statements: [], parse_error: { message: reason, position: 0 } };
  }
}
