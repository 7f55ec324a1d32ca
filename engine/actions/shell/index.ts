/**
 * The shell normalizer: one command text in, one `shell` action document out (schemas/action.shell.json).
 *
 * ```ts
 * await loadShellParser();
 * normalizeShell("sudo -u root r\\m -rf /tmp/x").commands.map((c) => c.program); // ["sudo", "rm"]
 * ```
 */
import { messageOf } from "../../errors.js";
import { normalize, type NormalizeOptions } from "./normalize.js";
import { grammarLoaded, loadBashGrammar } from "./parser.js";
import type { ShellAction } from "./types.js";

export type { ShellAction, ShellAssignment, ShellCommand, ShellParseError, ShellRedirect, ShellVia, RedirectOp } from "./types.js";
export type { NormalizeOptions };

/** Loads the bash grammar (WASM) once per process; call and await it before normalizeShell. */
export function loadShellParser(): Promise<void> {
  return loadBashGrammar();
}

/**
 * The action document for one command text. Synchronous and never throws: text that does not parse, or any
 * failure inside, becomes `parse_error` with `dynamic: true`, which the default policy denies.
 */
export function normalizeShell(text: string, options: NormalizeOptions = {}): ShellAction {
  const interactive = options.interactive === true;
  if (!grammarLoaded()) return unparsed(text, interactive, "the shell parser is not loaded");
  try {
    return normalize(text, options);
  } catch (error) {
    return unparsed(text, interactive, `the shell normalizer failed: ${messageOf(error)}`);
  }
}

function unparsed(text: string, interactive: boolean, message: string): ShellAction {
  return { kind: "shell", text, interactive, commands: [], dynamic: true, dynamic_reasons: ["the text does not parse"], parse_error: { message, position: 0 } };
}
