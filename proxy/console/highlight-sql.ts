import { Html, visibleHtml } from "./html.js";

/**
 * SQL syntax highlighting done on the server: the statement is split into tokens the way PostgreSQL's
 * lexer would see their boundaries (https://www.postgresql.org/docs/current/sql-syntax-lexical.html),
 * and each token is escaped and wrapped in a `<span class="sql-…">`. It only colours: nothing is
 * dropped or reordered, so the text of the result is exactly the statement (the tests check that for
 * hostile input), except that a character a reader could not see as itself (a control, a bidi
 * override) is shown as its marked escape, `\u202e`. Unterminated strings and comments run to the
 * end, as the server would read them.
 */
export function highlightSql(sql: string): Html {
  let out = "";
  for (const token of tokenize(sql)) {
    const text = visibleHtml(token.text);
    out += token.kind === "space" || token.kind === "punct" ? text : `<span class="sql-${token.kind}">${text}</span>`;
  }
  return new Html(out);
}

export type TokenKind = "space" | "comment" | "string" | "ident" | "quoted" | "keyword" | "function" | "number" | "param" | "operator" | "punct";

export interface Token {
  kind: TokenKind;
  text: string;
}

/** The words coloured as keywords: the reserved and commonly used ones, not all of PostgreSQL's. */
const KEYWORDS = new Set(
  `all alter analyze and any array as asc begin between by call case cascade cast check close cluster column comment commit
  concurrently constraint copy create cross current_date current_role current_time current_timestamp current_user cursor
  database deallocate declare default delete desc distinct do drop else end except execute exists explain false fetch for
  foreign from full function grant group having if ilike in index inner insert intersect into is join key lateral left like
  limit listen lock materialized not notify null nulls offset on only or order outer over partition policy prepare primary
  procedure references release reset restrict returning revoke right role rollback row rows savepoint schema select sequence
  session_user set show similar some start table tablespace temp temporary then to transaction trigger true truncate union
  unique unlisten update user using vacuum values view when where window with`.split(/\s+/),
);

const WORD = /[A-Za-z_\u0080-\uffff][A-Za-z0-9_$\u0080-\uffff]*/y;
const NUMBER = /(?:\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)(?:[eE][+-]?\d+)?/y;
const DOLLAR_TAG = /\$(?:[A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/y;
const PARAM = /\$\d+/y;
const OPERATOR = /[+\-*/<>=~!@#%^&|`?]+/y;
const SPACE = /\s+/y;

export function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const push = (kind: TokenKind, end: number): void => {
    tokens.push({ kind, text: sql.slice(i, end) });
    i = end;
  };
  while (i < sql.length) {
    const c = sql[i]!;
    const next = sql[i + 1];
    if (/\s/.test(c)) push("space", matchAt(SPACE, sql, i));
    else if (c === "-" && next === "-") push("comment", lineEnd(sql, i));
    else if (c === "/" && next === "*") push("comment", blockCommentEnd(sql, i));
    else if (c === "'") push("string", quotedEnd(sql, i, "'", false));
    else if ((c === "E" || c === "e") && next === "'") push("string", quotedEnd(sql, i + 1, "'", true));
    else if (/[bBxXnN]/.test(c) && next === "'") push("string", quotedEnd(sql, i + 1, "'", false));
    else if ((c === "U" || c === "u") && next === "&" && (sql[i + 2] === "'" || sql[i + 2] === '"')) push(sql[i + 2] === "'" ? "string" : "quoted", quotedEnd(sql, i + 2, sql[i + 2]!, false));
    else if (c === '"') push("quoted", quotedEnd(sql, i, '"', false));
    else if (c === "$" && matchAt(PARAM, sql, i) > i) push("param", matchAt(PARAM, sql, i));
    else if (c === "$" && matchAt(DOLLAR_TAG, sql, i) > i) push("string", dollarQuotedEnd(sql, i));
    else if (/[0-9]/.test(c) || (c === "." && next !== undefined && /[0-9]/.test(next))) push("number", matchAt(NUMBER, sql, i));
    else if (matchAt(WORD, sql, i) > i) {
      const end = matchAt(WORD, sql, i);
      const word = sql.slice(i, end).toLowerCase();
      push(KEYWORDS.has(word) ? "keyword" : /^\s*\(/.test(sql.slice(end, end + 64)) ? "function" : "ident", end);
    } else if (matchAt(OPERATOR, sql, i) > i) push("operator", matchAt(OPERATOR, sql, i));
    else push("punct", i + 1);
  }
  return tokens;
}

/** Where a sticky regex matching at `at` ends, or `at` when it does not match there. */
function matchAt(pattern: RegExp, text: string, at: number): number {
  pattern.lastIndex = at;
  return pattern.exec(text) ? pattern.lastIndex : at;
}

function lineEnd(sql: string, from: number): number {
  const end = sql.indexOf("\n", from);
  return end < 0 ? sql.length : end;
}

/** Block comments nest in PostgreSQL: `/* a /* b *\/ still comment *\/`. */
function blockCommentEnd(sql: string, from: number): number {
  let depth = 0;
  let i = from;
  while (i < sql.length) {
    if (sql.startsWith("/*", i)) {
      depth += 1;
      i += 2;
    } else if (sql.startsWith("*/", i)) {
      depth -= 1;
      i += 2;
      if (depth === 0) return i;
    } else i += 1;
  }
  return sql.length;
}

/** A quoted string or identifier starting at `from` (the opening quote); a doubled quote is one quote. */
function quotedEnd(sql: string, from: number, quote: string, backslashEscapes: boolean): number {
  let i = from + 1;
  while (i < sql.length) {
    const c = sql[i]!;
    if (backslashEscapes && c === "\\") i += 2;
    else if (c === quote && sql[i + 1] === quote) i += 2;
    else if (c === quote) return i + 1;
    else i += 1;
  }
  return sql.length;
}

function dollarQuotedEnd(sql: string, from: number): number {
  const tagEnd = matchAt(DOLLAR_TAG, sql, from);
  const tag = sql.slice(from, tagEnd);
  const close = sql.indexOf(tag, tagEnd);
  return close < 0 ? sql.length : close + tag.length;
}
