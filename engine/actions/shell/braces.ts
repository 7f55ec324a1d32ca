/**
 * Bash's brace expansion (https://www.gnu.org/software/bash/manual/html_node/Brace-Expansion.html), the first
 * expansion of a word: `a{b,c}` is `ab ac`, `{1..3}` is `1 2 3`. It works on tokens so that quoted braces and
 * commas, and expansions, are left alone. Returns null when the result would be unreasonably large.
 */
import type { Token } from "./tokens.js";

const MAX_WORDS = 1024;

export function expandBraces(word: Token[]): Token[][] | null {
  const out: Token[][] = [];
  return expandInto(word, 0, out) ? out : null;
}

function isOpen(t: Token | undefined, ch: string): boolean {
  return t !== undefined && t.dyn === undefined && !t.quoted && t.ch === ch;
}

function expandInto(word: Token[], from: number, out: Token[][]): boolean {
  for (let open = from; open < word.length; open++) {
    if (!isOpen(word[open], "{")) continue;
    const parts = splitBrace(word, open);
    if (!parts) continue;
    const { close, alternatives } = parts;
    const pre = word.slice(0, open);
    const post = word.slice(close + 1);
    for (const alt of alternatives) {
      if (out.length > MAX_WORDS) return false;
      // The preamble has no expandable brace left before `open`; continue scanning from the alternative.
      if (!expandInto([...pre, ...alt, ...post], pre.length, out)) return false;
    }
    return true;
  }
  if (word.length > 0) out.push(word);
  return out.length <= MAX_WORDS;
}

/** The alternatives of the brace group opening at `open`, or null when bash would leave it as text. */
function splitBrace(word: Token[], open: number): { close: number; alternatives: Token[][] } | null {
  let depth = 0;
  const commas: number[] = [];
  for (let j = open + 1; j < word.length; j++) {
    if (isOpen(word[j], "{")) depth++;
    else if (isOpen(word[j], "}")) {
      if (depth === 0) {
        if (commas.length > 0) {
          const bounds = [open, ...commas, j];
          const alternatives = bounds.slice(1).map((b, k) => word.slice(bounds[k]! + 1, b));
          return { close: j, alternatives };
        }
        const sequence = expandSequence(word.slice(open + 1, j));
        return sequence ? { close: j, alternatives: sequence } : null;
      }
      depth--;
    } else if (depth === 0 && isOpen(word[j], ",")) commas.push(j);
  }
  return null;
}

/** `{1..10}`, `{01..3..2}`, `{a..e}` — only when every character is plain unquoted text. */
function expandSequence(inner: Token[]): Token[][] | null {
  if (inner.some((t) => t.dyn !== undefined || t.quoted)) return null;
  const text = inner.map((t) => t.ch).join("");
  const numeric = /^([-+]?\d+)\.\.([-+]?\d+)(?:\.\.([-+]?\d+))?$/.exec(text);
  const alpha = /^([A-Za-z])\.\.([A-Za-z])(?:\.\.([-+]?\d+))?$/.exec(text);
  const match = numeric ?? alpha;
  if (!match) return null;
  const step = Math.abs(Number(match[3] ?? "1")) || 1;
  const words: string[] = [];
  if (numeric) {
    const a = Number(match[1]);
    const b = Number(match[2]);
    const padded = /^[-+]?0\d/.test(match[1]!) || /^[-+]?0\d/.test(match[2]!);
    const width = padded ? Math.max(match[1]!.length, match[2]!.length) : 0;
    if (Math.abs(b - a) / step > MAX_WORDS) return null;
    for (let n = a; a <= b ? n <= b : n >= b; n += a <= b ? step : -step) words.push(pad(n, width));
  } else {
    const a = match[1]!.charCodeAt(0);
    const b = match[2]!.charCodeAt(0);
    for (let n = a; a <= b ? n <= b : n >= b; n += a <= b ? step : -step) words.push(String.fromCharCode(n));
  }
  return words.map((w) => [...w].map((ch) => ({ ch, quoted: false })));
}

function pad(n: number, width: number): string {
  const digits = String(Math.abs(n)).padStart(n < 0 ? width - 1 : width, "0");
  return n < 0 ? `-${digits}` : digits;
}
