/** Turns one command text into its shell action document. */
import { joinContinuations } from "./continuations.js";
import { rootScope, Walk, type Scope } from "./context.js";
import { firstError, parseBash } from "./parser.js";
import type { ShellAction } from "./types.js";
import { Walker } from "./walker.js";

/** Longer texts are refused rather than parsed: a command line is not a program. */
export const MAX_TEXT_LENGTH = 64 * 1024;

export interface NormalizeOptions {
  /** The request opens an interactive shell (a pty session), decided as a whole. */
  interactive?: boolean;
}

export function normalize(text: string, options: NormalizeOptions = {}): ShellAction {
  const base = { kind: "shell" as const, text, interactive: options.interactive === true };
  if (text.length > MAX_TEXT_LENGTH) return failed(base, `command text longer than ${MAX_TEXT_LENGTH} characters`, MAX_TEXT_LENGTH);
  const walk = new Walk();
  const error = walkText(walk, text, rootScope());
  if (error) return failed(base, error.message, error.position);
  return { ...base, commands: walk.commands, dynamic: walk.reasons.length > 0, dynamic_reasons: walk.reasons };
}

function failed(base: Pick<ShellAction, "kind" | "text" | "interactive">, message: string, position: number): ShellAction {
  return { ...base, commands: [], dynamic: true, dynamic_reasons: ["the text does not parse"], parse_error: { message, position } };
}

/**
 * Parses `text` and walks it into `walk` in `scope`. Shell code found inside it (sh -c '…') comes back here
 * one level deeper; when that inner code does not parse, what it runs is unknown, so the walk is dynamic.
 */
function walkText(walk: Walk, source: string, scope: Scope): { message: string; position: number } | undefined {
  const joined = joinContinuations(source);
  const tree = parseBash(joined.text);
  try {
    const root = tree.rootNode;
    const bad = firstError(root);
    if (bad) {
      const at = joined.origin ? (joined.origin[bad.startIndex] ?? source.length) : bad.startIndex;
      const what = bad.isMissing ? `missing ${bad.type}` : `syntax error near ${JSON.stringify(bad.text.slice(0, 20))}`;
      return { message: what, position: at };
    }
    const walker = new Walker(walk, (code, inner) => {
      const error = walkText(walk, code, inner);
      if (error) walk.dynamic(`shell code given to a shell does not parse: ${error.message}`);
    });
    walker.visit(root, scope);
    return undefined;
  } finally {
    tree.delete();
  }
}
