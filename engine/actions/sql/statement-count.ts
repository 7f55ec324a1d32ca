/**
 * Counts the statements of a request without parsing it, in one pass over the text: a limit on
 * statements per message is enforced before the parser and the analyser spend time on a message that
 * would be refused anyway.
 *
 * It splits as PostgreSQL's scanner does (standard_conforming_strings on, the setting the gateway
 * keeps): a `;` ends a statement unless it is inside a quoted string ('…', E'…' with backslash
 * escapes, U&'…', B'…', X'…'), a quoted identifier ("…"), a dollar-quoted string ($tag$…$tag$), a
 * `--` line comment (ended by \n or \r) or a nested /* … *\/ comment. Statements holding nothing but
 * whitespace and comments are not counted, as the parser reports none for them.
 * https://www.postgresql.org/docs/current/sql-syntax-lexical.html
 *
 * A SQL-standard function body (BEGIN ATOMIC … END) holds semicolons the parser keeps inside one
 * statement: it is counted as several, so the count can only err upwards, never let more through.
 */
export function countStatements(text: string, stopAbove = Number.POSITIVE_INFINITY): number {
  let count = 0;
  let content = false;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === SEMICOLON) {
      if (content && ++count > stopAbove) return count;
      content = false;
      i++;
      continue;
    }
    if (isSpace(c)) {
      i++;
      continue;
    }
    if (c === DASH && text.charCodeAt(i + 1) === DASH) {
      i = lineCommentEnd(text, i + 2);
      continue;
    }
    if (c === SLASH && text.charCodeAt(i + 1) === STAR) {
      i = blockCommentEnd(text, i + 2);
      continue;
    }
    content = true;
    if (c === QUOTE) {
      // E'…' (and e'…') take backslash escapes; every other string prefix (U&, B, X, N) does not.
      const prev = i > 0 ? text.charCodeAt(i - 1) : 0;
      const escapes = (prev === 0x45 || prev === 0x65) && !isIdentChar(i > 1 ? text.charCodeAt(i - 2) : 0);
      i = quotedEnd(text, i + 1, QUOTE, escapes);
      continue;
    }
    if (c === DOUBLE_QUOTE) {
      i = quotedEnd(text, i + 1, DOUBLE_QUOTE, false);
      continue;
    }
    if (c === DOLLAR) {
      const prev = i > 0 ? text.charCodeAt(i - 1) : 0;
      // `$` inside an identifier (`a$b`) or a parameter (`$1`) starts no string.
      const tag = isIdentChar(prev) ? undefined : dollarTag(text, i);
      if (tag !== undefined) {
        const close = text.indexOf(tag, i + tag.length);
        i = close < 0 ? n : close + tag.length;
        continue;
      }
    }
    i++;
  }
  if (content) count++;
  return count;
}

const SEMICOLON = 0x3b;
const DASH = 0x2d;
const SLASH = 0x2f;
const STAR = 0x2a;
const QUOTE = 0x27;
const DOUBLE_QUOTE = 0x22;
const DOLLAR = 0x24;
const BACKSLASH = 0x5c;

/** The scanner's whitespace: space, tab, newline, carriage return, form feed (and vertical tab). */
function isSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

/** A character that continues an identifier: letters, digits, `_`, `$` and anything non-ASCII. */
function isIdentChar(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f || c === DOLLAR || c >= 0x80;
}

function lineCommentEnd(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x0a || c === 0x0d) return i + 1;
  }
  return text.length;
}

/** Block comments nest in PostgreSQL: `/* a /* b *\/ ; *\/` is one comment. */
function blockCommentEnd(text: string, from: number): number {
  let depth = 1;
  let i = from;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === SLASH && text.charCodeAt(i + 1) === STAR) {
      depth++;
      i += 2;
    } else if (c === STAR && text.charCodeAt(i + 1) === SLASH) {
      i += 2;
      if (--depth === 0) return i;
    } else i++;
  }
  return text.length;
}

/** The end of a quoted string or identifier; a doubled quote is an escaped quote. */
function quotedEnd(text: string, from: number, quote: number, backslashEscapes: boolean): number {
  let i = from;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (backslashEscapes && c === BACKSLASH) {
      i += 2;
      continue;
    }
    if (c === quote) {
      if (text.charCodeAt(i + 1) === quote) {
        i += 2;
        continue;
      }
      return i + 1;
    }
    i++;
  }
  return text.length;
}

/** `$tag$` or `$$` at `at`: a tag is an identifier that does not start with a digit. */
function dollarTag(text: string, at: number): string | undefined {
  let i = at + 1;
  const first = text.charCodeAt(i);
  if (first >= 0x30 && first <= 0x39) return undefined;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === DOLLAR) return text.slice(at, i + 1);
    if (!isIdentChar(c)) return undefined;
    i++;
  }
  return undefined;
}
