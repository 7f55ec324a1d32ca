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
  const where = firstDifference(respelled(tree), analyzerTree, "");
  return where === null ? null : `PostgreSQL ${major} reads this statement differently from the grammar Portcullis analyzes with (at ${where || "the top"}), so Portcullis cannot tell what it does there`;
}

/**
 * Keys that only say where something was written: byte offsets (18 added the bounds of `IN (…)` and
 * `ARRAY[…]` lists), statement lengths, the parser's version number.
 */
const LOCATIONS = new Set(["location", "stmt_location", "stmt_len", "version", "rexpr_list_start", "rexpr_list_end", "list_start", "list_end", "name_location"]);

/**
 * What an older release spells differently for the same meaning, rewritten to the analyzer's
 * spelling before the trees are compared (node name → rewrite of its fields):
 * - MERGE's `matched: true|absent` became `matchKind` (17);
 * - RETURNING's list moved into a `returningClause` (18, which added RETURNING OLD/NEW);
 * - `DEALLOCATE ALL` became `isall: true` (17);
 * - the type name `json` became the keyword type `pg_catalog.json` (16).
 */
const RESPELLED: Record<string, (fields: Record<string, unknown>) => Record<string, unknown>> = {
  MergeWhenClause: ({ matched, ...f }) => ("matchKind" in f ? f : { ...f, matchKind: matched === true ? "MERGE_WHEN_MATCHED" : "MERGE_WHEN_NOT_MATCHED_BY_TARGET" }),
  InsertStmt: withReturningClause,
  UpdateStmt: withReturningClause,
  DeleteStmt: withReturningClause,
  MergeStmt: withReturningClause,
  DeallocateStmt: (f) => (f.name === undefined && f.isall === undefined ? { ...f, isall: true } : f),
  TypeName: jsonKeywordType,
  // A TypeName held directly by a field rather than wrapped as a node.
  typeName: jsonKeywordType,
  returnType: jsonKeywordType,
  argType: jsonKeywordType,
};

function jsonKeywordType(f: Record<string, unknown>): Record<string, unknown> {
  return isName(f.names, ["json"]) ? { ...f, names: [{ String: { sval: "pg_catalog" } }, { String: { sval: "json" } }] } : f;
}

function withReturningClause({ returningList, ...f }: Record<string, unknown>): Record<string, unknown> {
  return returningList === undefined ? f : { ...f, returningClause: { exprs: returningList } };
}

function isName(names: unknown, parts: string[]): boolean {
  return Array.isArray(names) && names.length === parts.length && names.every((n, i) => (n as { String?: { sval?: unknown } }).String?.sval === parts[i]);
}

/** The older tree in the analyzer's spelling (RESPELLED applied at every node). */
function respelled(tree: unknown): unknown {
  if (Array.isArray(tree)) return tree.map(respelled);
  if (typeof tree !== "object" || tree === null) return tree;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(tree as Record<string, unknown>)) {
    const rewrite = RESPELLED[key];
    const child = respelled(value);
    out[key] = rewrite && typeof child === "object" && child !== null && !Array.isArray(child) ? rewrite(child as Record<string, unknown>) : child;
  }
  return out;
}

/**
 * Fields only newer releases have, about what older servers have no notion of (NOT ENFORCED and NOT
 * VALID constraints at creation, 18): every constraint an older server creates is enforced.
 */
const NEWER_ONLY = new Set(["is_enforced", "initially_valid"]);

/** A value a newer release writes out where an older one left the field absent, meaning the same. */
function isDefault(value: unknown): boolean {
  return value === false || value === 0 || value === "" || (Array.isArray(value) && value.length === 0);
}

function firstDifference(older: unknown, newer: unknown, path: string): string | null {
  if (Array.isArray(older) || Array.isArray(newer)) {
    if (!Array.isArray(older) || !Array.isArray(newer) || older.length !== newer.length) return path;
    for (let i = 0; i < older.length; i++) {
      const found = firstDifference(older[i], newer[i], `${path}[${i}]`);
      if (found !== null) return found;
    }
    return null;
  }
  if (typeof older !== "object" || older === null || typeof newer !== "object" || newer === null) return older === newer ? null : path;
  const a = older as Record<string, unknown>;
  const b = newer as Record<string, unknown>;
  for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
    if (LOCATIONS.has(key)) continue;
    if ((!(key in a) && (isDefault(b[key]) || NEWER_ONLY.has(key))) || (!(key in b) && isDefault(a[key]))) continue;
    const found = firstDifference(a[key], b[key], `${path}.${key}`);
    if (found !== null) return found;
  }
  return null;
}
