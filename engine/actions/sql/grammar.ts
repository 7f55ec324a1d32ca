import * as pg15 from "libpg-query-15";
import * as pg16 from "libpg-query-16";
import * as pg17 from "libpg-query-17";

/**
 * The analyzer reads PostgreSQL 18's parse trees, but a target runs its own major version, and the
 * grammar changes between them: `system_user` is a column name to PostgreSQL 15 and a function to 16
 * and later, so `SELECT system_user FROM (SELECT email AS system_user FROM users) s` returns e-mail
 * addresses from a PostgreSQL 15 server while an 18 grammar sees a harmless function call.
 *
 * So a statement for an older server is parsed with that server's own grammar too (the libpg_query
 * release built from its major), and analyzed only when both trees say the same thing: equal, but for
 * source locations and the few fields a newer release merely spells differently (listed below). Any
 * other difference, or a major without a grammar here, refuses the statement: the gateway does not
 * decide on a reading the server does not share.
 */

/** The major version whose parse trees the analyzer reads (the `libpg-query` package). */
export const ANALYZER_MAJOR = 18;

interface Grammar {
  loadModule(): Promise<unknown>;
  parseSync(text: string): unknown;
}

const GRAMMARS: Record<number, Grammar> = { 15: pg15, 16: pg16, 17: pg17 };

/** Majors whose statements the gateway can check against their own grammar. */
export const SUPPORTED_MAJORS: readonly number[] = [...Object.keys(GRAMMARS).map(Number), ANALYZER_MAJOR];

let loaded: Promise<void> | undefined;

/** Loads every older grammar (WASM) once per process. */
export function loadGrammars(): Promise<void> {
  loaded ??= Promise.all(Object.values(GRAMMARS).map((g) => g.loadModule())).then(() => undefined);
  return loaded;
}

/** Why the server's grammar reads `text` differently from the analyzer's, or null when it does not. */
export function grammarDivergence(text: string, analyzerTree: unknown, major: number | undefined): string | null {
  if (major === undefined || major === ANALYZER_MAJOR) return null;
  const grammar = GRAMMARS[major];
  if (!grammar) return `Portcullis has no PostgreSQL ${major} grammar (it reads ${SUPPORTED_MAJORS.join(", ")}), so it cannot read statements as this target does`;
  let tree: unknown;
  try {
    tree = grammar.parseSync(text);
  } catch (error) {
    const message = (error as { message?: unknown }).message;
    return `PostgreSQL ${major} does not accept this statement: ${typeof message === "string" ? message : String(error)}`;
  }
  const where = firstDifference(tree, analyzerTree, "");
  return where === null ? null : `PostgreSQL ${major} reads this statement differently from the grammar Portcullis analyzes with (at ${where || "the top"}), so Portcullis cannot tell what it does there`;
}

/**
 * Keys that only say where something was written: byte offsets (18 added the bounds of `IN (…)` and
 * `ARRAY[…]` lists), statement lengths, the parser's version number.
 */
const LOCATIONS = new Set(["location", "stmt_location", "stmt_len", "version", "rexpr_list_start", "rexpr_list_end", "list_start", "list_end", "name_location"]);

/**
 * Fields newer releases add with a value that means exactly what their absence meant before, by node:
 * constraints are enforced and valid unless said otherwise (18).
 */
const ADDED_DEFAULTS: Record<string, Record<string, unknown>> = {
  Constraint: { is_enforced: true, initially_valid: true },
};

/** MERGE's `matched: true|absent` (15, 16) became `matchKind` (17). */
function mergeMatchKind(clause: Record<string, unknown>): unknown {
  if ("matchKind" in clause) return clause.matchKind;
  return clause.matched === true ? "MERGE_WHEN_MATCHED" : "MERGE_WHEN_NOT_MATCHED_BY_TARGET";
}

function firstDifference(older: unknown, newer: unknown, path: string, node = ""): string | null {
  if (Array.isArray(older) || Array.isArray(newer)) {
    if (!Array.isArray(older) || !Array.isArray(newer) || older.length !== newer.length) return path;
    for (let i = 0; i < older.length; i++) {
      const found = firstDifference(older[i], newer[i], `${path}[${i}]`, node);
      if (found !== null) return found;
    }
    return null;
  }
  if (typeof older !== "object" || older === null || typeof newer !== "object" || newer === null) return older === newer ? null : path;
  const a = older as Record<string, unknown>;
  const b = newer as Record<string, unknown>;
  const defaults = ADDED_DEFAULTS[node] ?? {};
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  if (node === "MergeWhenClause") {
    if (mergeMatchKind(a) !== mergeMatchKind(b)) return `${path}.matchKind`;
    keys.delete("matched");
    keys.delete("matchKind");
  }
  for (const key of keys) {
    if (LOCATIONS.has(key)) continue;
    if (!(key in a) && key in defaults && b[key] === defaults[key]) continue;
    // A key naming a node type (`{"SelectStmt": {...}}`) tells its children which node they belong to.
    const child = /^[A-Z]/.test(key) ? key : node;
    const found = firstDifference(a[key], b[key], `${path}.${key}`, child);
    if (found !== null) return found;
  }
  return null;
}
