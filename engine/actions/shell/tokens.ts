/**
 * A word's characters after quote removal, each marked quoted or not, with every expansion kept as one opaque
 * token. Bash decides brace expansion, globbing and tilde expansion on unquoted characters only, so the
 * later steps need to know which characters were quoted, not just the resulting text.
 */
import { decodeAnsiC } from "./ansi-c.js";
import type { Node } from "./parser.js";

export type Token = { ch: string; quoted: boolean; dyn?: undefined } | { dyn: string; quoted: boolean; ch?: undefined };

/** The node types whose value is only known at run time. */
const EXPANSIONS = new Set(["command_substitution", "process_substitution", "expansion", "simple_expansion", "arithmetic_expansion"]);
const SUBSTITUTIONS = new Set(["command_substitution", "process_substitution"]);

export interface Scanned {
  tokens: Token[];
  /** Command and process substitutions anywhere in the word: their commands run as well. */
  substitutions: Node[];
  /** An arithmetic expansion names a variable: bash evaluates its value as an expression, substitutions included. */
  arithmetic: boolean;
}

/** Tokenizes one word node (word, string, raw_string, concatenation, expansion, …). */
export function scanWord(node: Node): Scanned {
  const text = node.text;
  const substitutions: Node[] = [];
  const spans = new Map<number, number>();
  if (node.childCount > 0 || EXPANSIONS.has(node.type)) collect(node, node.startIndex, spans, substitutions);
  return { tokens: tokenize(text, spans), substitutions, arithmetic: text.includes("$((") || text.includes("$[") ? namesVariable(text) : false };
}

/** True when an arithmetic expansion in the word mentions a name (`$((x+1))`, `$[y]`). */
function namesVariable(text: string): boolean {
  return /\$(\(\(|\[)[^]*?[A-Za-z_$]/.test(text);
}

function collect(node: Node, base: number, spans: Map<number, number>, substitutions: Node[], outermost = true): void {
  if (SUBSTITUTIONS.has(node.type)) substitutions.push(node);
  const expansion = EXPANSIONS.has(node.type);
  if (expansion && outermost) spans.set(node.startIndex - base, node.endIndex - base);
  if (SUBSTITUTIONS.has(node.type)) return;
  for (const child of node.namedChildren) if (child) collect(child, base, spans, substitutions, outermost && !expansion);
}

/** Command and process substitutions anywhere under a node (a here-document body, an arithmetic expression). */
export function substitutionsIn(node: Node): Node[] {
  const found: Node[] = [];
  collect(node, node.startIndex, new Map(), found);
  return found;
}

/** A `$` that starts a parameter, substitution or arithmetic expansion even where the grammar saw none. */
const DOLLAR_EXPANDS = /^\$[A-Za-z0-9_{(@*#?$!-]/;

function tokenize(text: string, spans: Map<number, number>): Token[] {
  const out: Token[] = [];
  const lit = (s: string, quoted: boolean): void => {
    for (const ch of s) out.push({ ch, quoted });
  };
  const dynamicFrom = (i: number, quoted: boolean): number => {
    let end = spans.get(i);
    if (end === undefined) {
      // The grammar gave no node here: fail closed, the rest of the word is unknown.
      end = text.length;
    }
    out.push({ dyn: text.slice(i, end), quoted });
    return end;
  };
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (spans.has(i) || c === "`" || (c === "$" && DOLLAR_EXPANDS.test(text.slice(i, i + 2)))) {
      i = dynamicFrom(i, false);
    } else if (c === "\\") {
      if (text[i + 1] === "\n") i += 2;
      else if (i + 1 < text.length) {
        lit(text[i + 1]!, true);
        i += 2;
      } else {
        lit("\\", false);
        i++;
      }
    } else if (c === "'") {
      const end = text.indexOf("'", i + 1);
      const close = end < 0 ? text.length : end;
      quotedEmpty(out);
      lit(text.slice(i + 1, close), true);
      i = close + 1;
    } else if (c === "$" && text[i + 1] === "'") {
      let j = i + 2;
      while (j < text.length && text[j] !== "'") j += text[j] === "\\" ? 2 : 1;
      quotedEmpty(out);
      lit(decodeAnsiC(text.slice(i + 2, j)), true);
      i = j + 1;
    } else if (c === '"' || (c === "$" && text[i + 1] === '"')) {
      i = doubleQuoted(text, c === "$" ? i + 2 : i + 1, spans, out);
    } else {
      lit(c, false);
      i++;
    }
  }
  return out;
}

/** Marks that quotes were present, so `''` is one empty argument rather than none. */
function quotedEmpty(out: Token[]): void {
  out.push({ ch: "", quoted: true });
}

/** Inside "…", a backslash quotes only $ ` " \ and newline; expansions still happen. Returns the offset after the closing quote. */
function doubleQuoted(text: string, from: number, spans: Map<number, number>, out: Token[]): number {
  quotedEmpty(out);
  let i = from;
  while (i < text.length && text[i] !== '"') {
    const c = text[i]!;
    if (spans.has(i) || c === "`" || (c === "$" && DOLLAR_EXPANDS.test(text.slice(i, i + 2)))) {
      const end = spans.get(i) ?? text.length;
      out.push({ dyn: text.slice(i, end), quoted: true });
      i = end;
    } else if (c === "\\" && i + 1 < text.length && '$`"\\\n'.includes(text[i + 1]!)) {
      if (text[i + 1] !== "\n") out.push({ ch: text[i + 1]!, quoted: true });
      i += 2;
    } else {
      out.push({ ch: c, quoted: true });
      i++;
    }
  }
  return i + 1;
}
