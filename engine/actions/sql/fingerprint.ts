/**
 * A literal-stripped fingerprint of SQL text, for reusing the action document of a statement already
 * analysed with other literal values (action-cache.ts). Two texts with the same fingerprint are the
 * same characters except inside the literals it stripped, and each stripped literal is of the same kind.
 *
 * The scanner is deliberately small and gives up (undefined) on anything it does not read exactly as
 * PostgreSQL's scanner does (https://www.postgresql.org/docs/current/sql-syntax-lexical.html):
 * comments, backslashes (standard_conforming_strings may be off), dollar quotes, string prefixes
 * (E'', U&'', B'', X'', N''), `U&` identifiers, non-ASCII text, numbers written with underscores or in
 * hex/octal/binary, and any character it has no rule for. Giving up only costs a cache miss.
 *
 * A literal is stripped only where its value cannot change what the statement touches: right after a
 * comparison operator or LIMIT/OFFSET, and not followed by `::` (`'users'::regclass` names a table) or
 * `(`. Every other literal stays in the fingerprint verbatim, so it must match exactly.
 */

/** Where a stripped literal sits in the text, as character offsets [start, end). */
export interface LiteralSpan {
  start: number;
  end: number;
}

export interface SqlFingerprint {
  /** The text with each stripped literal replaced by a marker of its kind. */
  key: string;
  literals: LiteralSpan[];
}

const COMPARISONS = new Set(["=", "<>", "!=", "<", ">", "<=", ">="]);
const VALUE_KEYWORDS = new Set(["limit", "offset"]);
/** Characters PostgreSQL's scanner reads as operator characters. */
const OPERATOR_CHARS = new Set("+-*/<>=~!@#%^&|`?");
/** Single-character tokens kept verbatim. */
const PUNCTUATION = new Set("(),;[].:");
const WHITESPACE = new Set(" \t\n\r\f\v");

/** Anywhere in the text, literals included: a backslash (read differently when standard_conforming_strings is off), non-ASCII or control characters. */
const UNREAD = /[^\x20-\x7e\t\n\r\f\v]|\\/;

/** Fingerprints at most this many characters: a longer text is analysed every time. */
export const MAX_FINGERPRINT_CHARS = 8192;

type Token = { kind: "word" | "operator" | "punctuation" | "string" | "number" | "param" | "quoted"; start: number; end: number };

/** The fingerprint of `text`, or undefined when the scanner is not sure it reads it as the server does. */
export function fingerprintSql(text: string): SqlFingerprint | undefined {
  if (text.length === 0 || text.length > MAX_FINGERPRINT_CHARS || UNREAD.test(text)) return undefined;
  const tokens = scan(text);
  if (!tokens) return undefined;
  const literals: LiteralSpan[] = [];
  let key = "";
  let from = 0;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (token.kind !== "string" && token.kind !== "number") continue;
    if (!strippable(text, tokens, i)) continue;
    key += text.slice(from, token.start) + marker(text, token);
    from = token.end;
    literals.push({ start: token.start, end: token.end });
  }
  key += text.slice(from);
  return { key, literals };
}

/** A literal's kind, as the parser types it: a string, or an integer or numeric by its size. */
function marker(text: string, token: Token): string {
  if (token.kind === "string") return "\u0000s";
  const digits = token.end - token.start;
  const integral = /^[0-9]+$/.test(text.slice(token.start, token.end));
  // int4, int8 and numeric constants are told apart by their value; by length is a safe proxy.
  return integral ? `\u0000i${digits <= 9 ? 4 : digits <= 18 ? 8 : "n"}` : `\u0000n${digits}`;
}

function strippable(text: string, tokens: Token[], index: number): boolean {
  const before = tokens[index - 1];
  const after = tokens[index + 1];
  if (!before) return false;
  const previous = text.slice(before.start, before.end);
  const valuePosition = (before.kind === "operator" && COMPARISONS.has(previous)) || (before.kind === "word" && VALUE_KEYWORDS.has(previous.toLowerCase()));
  if (!valuePosition) return false;
  if (!after) return true;
  const next = text.slice(after.start, after.end);
  // A cast or a call after the literal (`'users'::regclass`, `'x'(`) may make its value a name.
  return !(after.kind === "punctuation" && (next === ":" || next === "(" || next === "["));
}

/** Splits `text` into tokens, or undefined at the first thing this scanner does not fully understand. */
function scan(text: string): Token[] | undefined {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    const code = c.charCodeAt(0);
    if (code > 0x7e || (code < 0x20 && !WHITESPACE.has(c))) return undefined;
    if (c === "\\" || (c === "$" && !isDigit(text[i + 1]))) return undefined;
    if (WHITESPACE.has(c)) {
      i++;
      continue;
    }
    if (c === "'") {
      const end = stringEnd(text, i);
      if (end === undefined) return undefined;
      // A literal glued to a word is a prefixed one (E'', B'', X'', N'', U&''): not read here.
      const before = tokens[tokens.length - 1];
      if (before && before.end === i && (before.kind === "word" || before.kind === "operator")) return undefined;
      tokens.push({ kind: "string", start: i, end });
      i = end;
      continue;
    }
    if (c === '"') {
      const end = quotedEnd(text, i, '"');
      if (end === undefined) return undefined;
      const before = tokens[tokens.length - 1];
      if (before && before.end === i && before.kind !== "punctuation" && before.kind !== "operator") return undefined;
      tokens.push({ kind: "quoted", start: i, end });
      i = end;
      continue;
    }
    if (c === "$") {
      // A positional parameter ($1); a `$` anywhere else (dollar quotes) was refused above.
      let end = i + 1;
      while (isDigit(text[end])) end++;
      if (isWordChar(text[end])) return undefined;
      tokens.push({ kind: "param", start: i, end });
      i = end;
      continue;
    }
    if (isDigit(c) || (c === "." && isDigit(text[i + 1]))) {
      const end = numberEnd(text, i);
      if (end === undefined) return undefined;
      tokens.push({ kind: "number", start: i, end });
      i = end;
      continue;
    }
    if (isWordStart(c)) {
      let end = i + 1;
      while (isWordChar(text[end])) end++;
      // `$` inside a word, and `U&` before a quote, are rules this scanner leaves to the server's.
      if (text[end] === "$" || text[end] === "&") return undefined;
      tokens.push({ kind: "word", start: i, end });
      i = end;
      continue;
    }
    if (OPERATOR_CHARS.has(c)) {
      let end = i;
      while (end < text.length && OPERATOR_CHARS.has(text[end]!)) end++;
      const op = text.slice(i, end);
      // A comment can start inside an operator run: not read here.
      if (op.includes("--") || op.includes("/*")) return undefined;
      tokens.push({ kind: "operator", start: i, end });
      i = end;
      continue;
    }
    if (PUNCTUATION.has(c)) {
      tokens.push({ kind: "punctuation", start: i, end: i + 1 });
      i++;
      continue;
    }
    return undefined;
  }
  return tokens;
}

/** The end of a plain '…' literal ('' is a quote inside it), or undefined when it does not end. */
function stringEnd(text: string, start: number): number | undefined {
  const end = quotedEnd(text, start, "'");
  if (end === undefined) return undefined;
  // Two literals separated only by whitespace with a newline are one literal to the server: not read here.
  let next = end;
  let newline = false;
  while (next < text.length && WHITESPACE.has(text[next]!)) {
    if (text[next] === "\n" || text[next] === "\r") newline = true;
    next++;
  }
  return newline && text[next] === "'" ? undefined : end;
}

/** The end of text quoted with `quote` (doubled inside it), or undefined when it does not end. */
function quotedEnd(text: string, start: number, quote: string): number | undefined {
  let i = start + 1;
  for (;;) {
    const at = text.indexOf(quote, i);
    if (at < 0) return undefined;
    if (text[at + 1] !== quote) return at + 1;
    i = at + 2;
  }
}

/** digits[.digits][e[+-]digits], or undefined for anything glued to it (1_000, 0x1F, 1abc). */
function numberEnd(text: string, start: number): number | undefined {
  let i = start;
  while (isDigit(text[i])) i++;
  if (text[i] === ".") {
    // `1..2` and `1.e` are not plain numbers.
    if (text[i + 1] === ".") return undefined;
    i++;
    while (isDigit(text[i])) i++;
  }
  if (text[i] === "e" || text[i] === "E") {
    i++;
    if (text[i] === "+" || text[i] === "-") i++;
    if (!isDigit(text[i])) return undefined;
    while (isDigit(text[i])) i++;
  }
  if (isWordChar(text[i]) || text[i] === "." || text[i] === "$") return undefined;
  return i;
}

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= "0" && c <= "9";
}

function isWordStart(c: string): boolean {
  return (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || c === "_";
}

function isWordChar(c: string | undefined): boolean {
  return c !== undefined && (isWordStart(c) || isDigit(c));
}
