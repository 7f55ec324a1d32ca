/** The state one walk over a command text carries: the result being built and what each position inherits. */
import type { Node } from "./parser.js";
import type { ShellCommand, ShellRedirect, ShellVia } from "./types.js";

/** How many times `sh -c '…'` (and functions calling functions) may nest before the walk gives up. */
export const MAX_DEPTH = 8;

export interface FunctionDef {
  body: Node;
  /** False when the definition sits where it may not run (a branch, a loop, after && or ||). */
  certain: boolean;
}

/** Where a command's standard input comes from, as far as the text tells. */
export type Stdin =
  | { kind: "inherited" }
  | { kind: "pipe"; from: ShellCommand[] }
  | { kind: "text"; text: string; dynamic: boolean; from: "heredoc" | "here-string" }
  | { kind: "file" };

export interface Scope {
  via: ShellVia[];
  /** Redirections of the compound commands around this position. */
  redirects: ShellRedirect[];
  functions: Map<string, FunctionDef>;
  /** True inside a branch, a loop or the right side of && and ||: what runs here may not run. */
  conditional: boolean;
  stdin: Stdin;
  /** How many shells (sh -c, su -c, ssh, a here-document) deep this text is. */
  depth: number;
}

export class Walk {
  readonly commands: ShellCommand[] = [];
  readonly reasons: string[] = [];
  /** Functions being expanded, to stop recursion. */
  readonly calling = new Set<string>();

  dynamic(reason: string): void {
    if (!this.reasons.includes(reason)) this.reasons.push(reason);
  }
}

export function rootScope(depth = 0, via: ShellVia[] = [], redirects: ShellRedirect[] = [], stdin: Stdin = { kind: "inherited" }): Scope {
  return { via, redirects, functions: new Map(), conditional: false, stdin, depth };
}

/** The scope of a nested position; subshells and pipeline members get their own copy of the functions. */
export function inner(scope: Scope, change: Partial<Scope> & { add?: ShellVia; subshell?: boolean }): Scope {
  const { add, subshell, ...rest } = change;
  return {
    ...scope,
    ...(add ? { via: [...scope.via, add] } : {}),
    ...(subshell ? { functions: new Map(scope.functions) } : {}),
    ...rest,
  };
}
