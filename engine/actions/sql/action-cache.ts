import { canonicalJson } from "../../audit/canonical-json.js";
import { deepFreeze, jsonNumber } from "../../frozen.js";
import type { CatalogIndex } from "./catalog.js";
import { fingerprintSql, type LiteralSpan, type SqlFingerprint } from "./fingerprint.js";
import type { SqlAction, SqlStatement } from "./types.js";

/**
 * Action documents of SQL text already analysed, by literal-stripped fingerprint (fingerprint.ts): most
 * traffic repeats a few statement shapes with other literal values, and parsing plus analysis is most of
 * what deciding a statement costs. A hit gives the document the analyser would give, with each
 * statement's `text` cut from the new request.
 *
 * A shape is only cached when its document provably does not depend on the stripped literals' values:
 * every statement a plain query, DML or transaction statement, with no function call, setting, COPY,
 * side effect, dynamic SQL or parse error; and analysing the text again with every stripped literal
 * changed gives the same document. Anything else is analysed every time (fail closed: no hit).
 *
 * The catalog snapshot is part of the key (a new snapshot is a new CatalogIndex object), and so are the
 * server's major version and the size limit. `clear()` empties it (a policy reload does).
 */

type Analyse = (text: string) => SqlAction;

interface Template {
  /**
   * The action document with the text it was made from, frozen all the way down: every hit shares its
   * parts and has only its statements (with their own texts) and itself made new (frozen too).
   */
  document: SqlAction;
  /** Names the document with each statement's text left out: templates of equal such documents share it. */
  shape: number;
  /** Where each statement's text sat in the text analysed, and that text's stripped literals. */
  spans: LiteralSpan[];
  literals: LiteralSpan[];
}

/** A shape analysed and found to depend on its literals (or to be unsafe to reuse): analysed every time. */
const UNCACHEABLE = "uncacheable";
type Entry = Template | typeof UNCACHEABLE;

const CACHEABLE_CATEGORIES = new Set<SqlStatement["category"]>(["query", "dml", "transaction"]);
const MAX_ENTRIES = 4096;
/** The key object for requests analysed without a catalog. */
const NO_CATALOG = {};

export interface ActionCacheStats {
  hits: number;
  misses: number;
  uncacheable: number;
}

/**
 * The template a document handed out by a hit was built from, as a property of the document that is
 * neither enumerable nor named by a string: JSON, spreads, structured clones and schema validation do
 * not see it (a WeakMap would cost the garbage collector more per document than the rest of the hit).
 */
const TEMPLATE = Symbol("portcullis.sqlTemplate");

/**
 * A number naming what a document the cache handed out does, with its statements' texts left out;
 * undefined for a document the cache did not build. Equal numbers mean equal documents but for those
 * texts (the documents are frozen, so this stays true): a decision that cannot depend on the texts can
 * be looked up by it without serializing the document again.
 */
export function sqlShapeOf(action: SqlAction): number | undefined {
  return (action as { [TEMPLATE]?: Template })[TEMPLATE]?.shape;
}

export class SqlActionCache {
  private byCatalog = new WeakMap<object, Map<string, Entry>>();
  enabled = true;
  readonly stats: ActionCacheStats = { hits: 0, misses: 0, uncacheable: 0 };

  /** The action of `text`: from the cache when its shape is there, else from `analyse` (and remembered when safe). */
  normalize(text: string, context: { catalog?: CatalogIndex; serverMajor?: number; maxBytes: number }, analyse: Analyse): SqlAction {
    const print = this.enabled ? fingerprintSql(text) : undefined;
    if (!print) return analyse(text);
    const entries = this.entriesFor(context.catalog);
    const key = `${context.serverMajor ?? ""}\u0001${context.maxBytes}\u0001${print.key}`;
    const entry = entries.get(key);
    if (entry === UNCACHEABLE) {
      this.stats.uncacheable++;
      return analyse(text);
    }
    if (entry) {
      const hit = rebuild(entry, text, print);
      if (hit) {
        this.stats.hits++;
        return hit;
      }
    }
    this.stats.misses++;
    const action = analyse(text);
    if (entries.size >= MAX_ENTRIES) entries.clear();
    const template = newTemplate(action, text, print, analyse);
    entries.set(key, template ?? UNCACHEABLE);
    // The first of a shape is handed out as every later one will be (keys in the template's order), so
    // the decision cache, which keys by the document's JSON, sees one document per shape.
    return (template && rebuild(template, text, print)) || action;
  }

  clear(): void {
    this.byCatalog = new WeakMap();
  }

  private entriesFor(catalog: CatalogIndex | undefined): Map<string, Entry> {
    const owner = catalog ?? NO_CATALOG;
    let entries = this.byCatalog.get(owner);
    if (!entries) this.byCatalog.set(owner, (entries = new Map()));
    return entries;
  }
}

/** The template of a freshly analysed action, or undefined when it must not be reused for other literals. */
function newTemplate(action: SqlAction, text: string, print: SqlFingerprint, analyse: Analyse): Template | undefined {
  if (action.parse_error || action.statements.length === 0 || !action.statements.every(literalFree)) return undefined;
  const spans = statementSpans(action, text);
  if (!spans || spans.some((s) => insideLiteral(s.start, print.literals) || insideLiteral(s.end, print.literals))) return undefined;
  // The analyser must read the shape the same with other literal values: try one other value each.
  if (print.literals.length > 0) {
    const other = analyse(withOtherLiterals(text, print.literals));
    if (shapeOf(other) !== shapeOf(action)) return undefined;
  }
  // In canonical key order: every document rebuilt from it is serialized by the audit log as it stands.
  const document = deepFreeze(JSON.parse(canonicalJson(action)) as SqlAction);
  return { document, shape: jsonNumber(shapeOf(document)), spans, literals: print.literals };
}

/** Statements whose document cannot hold a literal's value, by what they are. */
function literalFree(s: SqlStatement): boolean {
  return (
    CACHEABLE_CATEGORIES.has(s.category) &&
    s.functions.length === 0 &&
    !s.dynamic_sql &&
    s.side_effects === undefined &&
    s.setting === undefined &&
    s.copy === undefined &&
    s.explain === undefined &&
    s.lock === undefined &&
    s.prepared_name === undefined &&
    s.cursor_name === undefined &&
    s.savepoint_name === undefined
  );
}

/** The action with its texts left out: what must not change when only literal values do. */
function shapeOf(action: SqlAction): string {
  return JSON.stringify({ ...action, statements: action.statements.map((s) => ({ ...s, text: "" })) });
}

/** Where each statement's (trimmed) text sits in the request; texts are in order and ASCII (fingerprint.ts). */
function statementSpans(action: SqlAction, text: string): LiteralSpan[] | undefined {
  const spans: LiteralSpan[] = [];
  let from = 0;
  for (const statement of action.statements) {
    const start = text.indexOf(statement.text, from);
    if (start < 0 || statement.text.length === 0) return undefined;
    spans.push({ start, end: start + statement.text.length });
    from = start + statement.text.length;
  }
  return spans;
}

function insideLiteral(offset: number, literals: readonly LiteralSpan[]): boolean {
  return literals.some((l) => offset > l.start && offset < l.end);
}

/** Maps an offset in the template's text to the same place in a text of the same fingerprint. */
function mapOffset(offset: number, from: readonly LiteralSpan[], to: readonly LiteralSpan[]): number {
  let shift = 0;
  for (let i = 0; i < from.length; i++) {
    const a = from[i]!;
    const b = to[i]!;
    if (a.end > offset) break;
    shift += b.end - b.start - (a.end - a.start);
  }
  return offset + shift;
}

/**
 * The template's document for `text`: new statements (the same fields, in the same order, with this
 * text's slices) around the template's frozen parts. Nothing is copied but the statements' top level.
 */
function rebuild(template: Template, text: string, print: SqlFingerprint): SqlAction | undefined {
  if (print.literals.length !== template.literals.length) return undefined;
  // Frozen by hand: everything else they hold is the template's, frozen already.
  const statements = template.document.statements.map((statement, i) => {
    const span = template.spans[i]!;
    return Object.freeze({ ...statement, text: text.slice(mapOffset(span.start, template.literals, print.literals), mapOffset(span.end, template.literals, print.literals)) });
  });
  const action = { ...template.document, statements: Object.freeze(statements) as SqlStatement[] };
  Object.defineProperty(action, TEMPLATE, { value: template });
  return Object.freeze(action) as SqlAction;
}

/** The text with every stripped literal given another value of the same kind and length. */
export function withOtherLiterals(text: string, literals: readonly LiteralSpan[]): string {
  let out = "";
  let from = 0;
  for (const l of literals) {
    const literal = text.slice(l.start, l.end);
    out += text.slice(from, l.start) + (literal.startsWith("'") ? (literal === "'x'" ? "'y'" : "'x'") : literal.replace(/[0-9]/g, (d) => String((Number(d) + 1) % 10)));
    from = l.end;
  }
  return out + text.slice(from);
}
