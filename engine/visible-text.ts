/**
 * Text that came from a client (a statement, a user name, a claim, a reason) shown to a person: every
 * character that would act on the terminal or the page instead of being read is written as a visible
 * escape. Without it, an escape sequence inside an SQL comment repaints what an approver reads, a
 * newline in a user name forges an audit line, and U+202E reverses what follows it.
 *
 * Escaped: C0 controls (but newline and tab where the caller keeps lines), DEL, C1 controls (ESC's
 * 8-bit forms), bidirectional embeddings, overrides, isolates and marks, zero-width and other invisible
 * format characters, line and paragraph separators, and lone surrogates. A backslash written by the
 * client stays as it is: the escapes are for reading, not for parsing back.
 */

// Controls (Cc: C0, DEL, C1), format characters (Cf: bidirectional controls, zero-width characters, BOM…),
// line and paragraph separators, and lone surrogates (Cs), newline and tab excepted here.
const HIDDEN = /(?![\n\t])[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/gu;
const LINE_BREAKS = /[\n\t]/g;

function escapeOne(c: string): string {
  const code = c.charCodeAt(0);
  if (c === "\n") return "\\n";
  if (c === "\t") return "\\t";
  if (c === "\r") return "\\r";
  if (code < 0x80) return `\\x${code.toString(16).padStart(2, "0")}`;
  return `\\u${c.codePointAt(0)!.toString(16).padStart(4, "0")}`;
}

/** `text` with every hidden or terminal-active character escaped; newlines and tabs kept (multi-line text). */
export function visibleText(text: string): string {
  return text.replace(HIDDEN, escapeOne);
}

/** `text` on one line: newlines and tabs escaped too (table cells, one-record-per-line logs, names). */
export function visibleLine(text: string): string {
  return visibleText(text).replace(LINE_BREAKS, escapeOne);
}

/**
 * JSON whose strings keep their exact values but never carry a hidden character raw: each is written as
 * a `\\uXXXX` escape (a surrogate pair beyond the BMP), which every JSON reader turns back into it.
 */
export function visibleJson(value: unknown, space?: number): string {
  return JSON.stringify(value, null, space).replace(HIDDEN, (c) => [...Array(c.length).keys()].map((i) => `\\u${c.charCodeAt(i).toString(16).padStart(4, "0")}`).join(""));
}
