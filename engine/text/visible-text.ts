/**
 * Text that came from a client (SQL, user names, claimed subjects, reasons, claims) shown so that what a
 * person reads is what it is. Characters that a terminal or a browser would act on or hide instead of
 * showing (C0 and C1 controls, DEL, ESC and with it every escape sequence, bidirectional overrides
 * and isolates, zero-width and other default-ignorable characters, line and paragraph separators,
 * lone surrogates) are replaced by a visible escape such as `\x1b`, `\u202e` or `\n`. Nothing else
 * is changed, so ordinary text (accents, CJK, emoji) reads as typed.
 *
 * Every output of Portcullis that shows client text goes through this one module: the CLI's lines
 * (`visibleLine`, `visibleLines`), its JSON (`visibleJson`) and the console's HTML (`revealHidden`).
 */

/**
 * What a person cannot see as itself. `Default_Ignorable_Code_Point` covers the zero-width and filler
 * characters (U+200B, U+2060, U+3164, variation selectors, tag characters) beyond the format class.
 */
const HIDDEN = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}\p{Default_Ignorable_Code_Point}]/gu;

const SHORT: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

/** The visible escape for one hidden character: `\n`, `\x1b`, `\x9b`, `\u202e`, `\u{e0041}`. */
export function escapeOf(char: string): string {
  const short = SHORT[char];
  if (short) return short;
  const code = char.codePointAt(0)!;
  if (code <= 0xff) return `\\x${code.toString(16).padStart(2, "0")}`;
  if (code <= 0xffff) return `\\u${code.toString(16).padStart(4, "0")}`;
  return `\\u{${code.toString(16)}}`;
}

/**
 * The text with every hidden character passed to `hidden` (its escape and the character) and every
 * run of other text to `plain`, joined in order. `keep` lists characters left as they are (a
 * multi-line view keeps "\n" and "\t"); it may only name C0 whitespace, never ESC or a bidi control.
 */
export function revealHidden(text: string, plain: (run: string) => string, hidden: (escape: string, char: string) => string, keep = ""): string {
  let out = "";
  let at = 0;
  for (const match of text.matchAll(HIDDEN)) {
    const char = match[0];
    if (keep.includes(char) && /^[\t\n]$/.test(char)) continue;
    out += plain(text.slice(at, match.index)) + hidden(escapeOf(char), char);
    at = match.index + char.length;
  }
  return out + plain(text.slice(at));
}

const same = (run: string): string => run;
const escapeOnly = (escape: string): string => escape;

/** One line of terminal output: every hidden character escaped, newlines included (`\n`). */
export function visibleLine(text: string): string {
  return revealHidden(text, same, escapeOnly);
}

/**
 * Text shown over several lines (a statement, an error message): split at its newlines ("\r\n" is one),
 * each line with its hidden characters escaped; tabs are kept, they only move the cursor right.
 */
export function visibleLines(text: string): string[] {
  return text.split(/\r?\n/).map((line) => revealHidden(line, same, escapeOnly, "\t"));
}

/** `visibleLines` joined again with "\n": a multi-line message safe to print as one. */
export function visibleBlock(text: string): string {
  return visibleLines(text).join("\n");
}

/**
 * JSON text (as `JSON.stringify` writes it) with the hidden characters it leaves raw (DEL, C1, bidi
 * and other format characters, U+2028/U+2029) written as `\uXXXX` escapes: the same JSON value, byte
 * for byte safe on a terminal. The C0 characters it still holds are its own layout (newlines and
 * spaces of indentation): every C0 character inside a JSON string is already escaped.
 */
export function visibleJson(json: string): string {
  return revealHidden(json, same, (_escape, char) => (char.charCodeAt(0) < 0x20 ? char : jsonEscape(char)));
}

/** A character as JSON `\uXXXX` escapes, one per UTF-16 unit (a surrogate pair for astral characters). */
function jsonEscape(char: string): string {
  let out = "";
  for (let i = 0; i < char.length; i++) out += `\\u${char.charCodeAt(i).toString(16).padStart(4, "0")}`;
  return out;
}

/**
 * A template for one line of output whose interpolated values all go through `visibleLine`, so a line
 * cannot forget one: `` visible`${subject} -> ${target}` ``. Numbers and the like pass as text.
 */
export function visible(strings: TemplateStringsArray, ...values: unknown[]): string {
  let out = strings[0] ?? "";
  values.forEach((value, i) => {
    out += visibleLine(value === undefined || value === null ? "" : String(value)) + (strings[i + 1] ?? "");
  });
  return out;
}

/**
 * A statement (or any long text) as a short one-line summary: runs of spaces and tabs become one space,
 * it is cut at `max` characters with "...", and everything hidden is escaped, newlines as `\n` (so a
 * line comment is seen to end where the server ends it).
 */
export function visibleSummary(text: string, max: number): string {
  const flat = text.replace(/[ \t]+/g, " ").replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, "");
  const cut = flat.length > max ? `${[...flat].slice(0, max - 3).join("")}...` : flat;
  return visibleLine(cut);
}
