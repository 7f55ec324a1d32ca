import { loadModule, parseSync, hasSqlDetails } from "libpg-query";
import { loadGrammars } from "./grammar.js";
import { messageOf } from "../../errors.js";

/** A node of the libpg_query JSON parse tree: `{ NodeType: { ...fields } }`. Kept structural on purpose. */
export type PgNode = Record<string, unknown>;

export interface RawStatement {
  node: PgNode;
  /** Byte offsets into the UTF-8 request text, as libpg_query reports them. */
  location: number;
  length: number | undefined;
}

export type ParseOutcome =
  | { ok: true; statements: RawStatement[]; tree: unknown }
  | { ok: false; message: string; position: number };

let loaded: Promise<void> | undefined;

/** Loads the PostgreSQL parser (WASM) once per process; every other call here is synchronous. */
export function loadSqlParser(): Promise<void> {
  loaded ??= Promise.all([loadModule(), loadGrammars()]).then(() => undefined);
  return loaded;
}

/** Parses with the real PostgreSQL parser. Never throws for bad SQL: a syntax error is an outcome. */
export function parseSql(text: string): ParseOutcome {
  let tree: { stmts?: Array<{ stmt?: PgNode; stmt_location?: number; stmt_len?: number }> };
  try {
    tree = parseSync(text) as typeof tree;
  } catch (error) {
    if (hasSqlDetails(error) && error.sqlDetails) {
      return { ok: false, message: error.sqlDetails.message, position: error.sqlDetails.cursorPosition };
    }
    const message = messageOf(error);
    return { ok: false, message, position: 0 };
  }
  const statements: RawStatement[] = [];
  for (const raw of tree.stmts ?? []) {
    if (raw.stmt) statements.push({ node: raw.stmt, location: raw.stmt_location ?? 0, length: raw.stmt_len });
  }
  return { ok: true, statements, tree };
}
