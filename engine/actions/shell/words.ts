/**
 * Expands one word as bash would before running a command: brace expansion, tilde expansion, then quote
 * removal. Parameter, command and arithmetic expansions, and globs, are not known from the text; a word that
 * holds one is kept as written and flagged, so the caller can decide what that means where it stands.
 */
import { expandBraces } from "./braces.js";
import type { Node } from "./parser.js";
import { scanWord, type Token } from "./tokens.js";

export interface Field {
  /** The word after quote removal, or its source text when it is dynamic. */
  text: string;
  /** Holds a parameter, command, arithmetic or tilde expansion. */
  dynamic: boolean;
  /** Holds an unquoted glob character (`*`, `?`, `[…]`): pathname expansion may change it. */
  glob: boolean;
}

export interface ExpandedWord {
  fields: Field[];
  /** Brace expansion produced other than the one word written. */
  braced: boolean;
  /** Brace expansion would produce too many words to list. */
  tooMany: boolean;
  substitutions: Node[];
  /** An arithmetic expansion evaluates a variable's value, which can hold a command substitution. */
  arithmetic: boolean;
}

export function expandWord(node: Node, context: "argument" | "assignment" = "argument"): ExpandedWord {
  const { tokens, substitutions, arithmetic } = scanWord(node);
  if (context === "assignment") {
    // No brace expansion in an assignment's value; tilde expansion after `=` and each unquoted `:`.
    return { fields: [toField(tildes(tokens, true), node.text)], braced: false, tooMany: false, substitutions, arithmetic };
  }
  const expanded = expandBraces(tokens);
  if (expanded === null) return { fields: [toField(tokens, node.text)], braced: true, tooMany: true, substitutions, arithmetic };
  const braced = expanded.length !== 1 || expanded[0]!.length !== tokens.length;
  const fields = expanded.map((word) => toField(tildes(word, false), braced ? undefined : node.text));
  return { fields, braced, tooMany: false, substitutions, arithmetic };
}

/** Replaces a tilde prefix (`~`, `~user`, `~+`) with an opaque expansion token: its value is a home directory. */
function tildes(word: Token[], afterColons: boolean): Token[] {
  const out: Token[] = [];
  let start = true;
  for (let i = 0; i < word.length; i++) {
    const t = word[i]!;
    if (start && t.ch === "~" && !t.quoted) {
      let j = i + 1;
      while (j < word.length && word[j]!.ch !== undefined && !word[j]!.quoted && word[j]!.ch !== "/" && !(afterColons && word[j]!.ch === ":")) j++;
      out.push({ dyn: word.slice(i, j).map((x) => x.ch ?? x.dyn).join(""), quoted: false });
      i = j - 1;
      start = false;
      continue;
    }
    out.push(t);
    start = afterColons && t.ch === ":" && !t.quoted;
  }
  return out;
}

function toField(word: Token[], source: string | undefined): Field {
  let text = "";
  let dynamic = false;
  let glob = false;
  for (let i = 0; i < word.length; i++) {
    const t = word[i]!;
    if (t.dyn !== undefined) {
      dynamic = true;
      text += t.dyn;
      continue;
    }
    text += t.ch;
    if (!t.quoted && (t.ch === "*" || t.ch === "?" || (t.ch === "[" && word.slice(i + 1).some((u) => u.ch === "]")))) glob = true;
  }
  // A dynamic word is reported as the user wrote it, which says more than a half-expanded mix.
  if (dynamic && source !== undefined) text = source;
  return { text, dynamic, glob };
}
