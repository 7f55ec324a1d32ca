/**
 * One simple command after expansion: decides what its name runs (a function, a builtin or a program),
 * records it, and follows wrappers to the commands they run in turn.
 */
import { BUILTINS, dangerousVariable } from "./builtins.js";
import { inner, type FunctionDef, type Scope, type Stdin, type Walk } from "./context.js";
import { builtinDynamic, programDynamic } from "./dynamic.js";
import type { ShellAssignment, ShellRedirect, ShellVia } from "./types.js";
import type { Field } from "./words.js";
import { optionsDynamic, unwrapBuiltin, unwrapProgram, type Inner } from "./wrappers.js";

export interface Call {
  words: Field[];
  assignments: ShellAssignment[];
  /** The command's own redirections (the scope adds those of the compound commands around it). */
  redirects: ShellRedirect[];
  /** Only a program can run here (reached through execvp: sudo, env, exec, …). */
  external: boolean;
  noFunctions: boolean;
  argvDynamic: boolean;
  argv0?: string;
}

/** What resolving needs from the walker, which owns the grammar: running a function body, parsing code again. */
export interface Hooks {
  callFunction(name: string, def: FunctionDef, scope: Scope): void;
  parseCode(text: string, scope: Scope): void;
}

export function resolveCommand(walk: Walk, scope: Scope, call: Call, hooks: Hooks): void {
  const name = call.words[0];
  if (!name) return;
  if (name.dynamic || name.glob) walk.dynamic(`a variable, substitution or glob in command position: ${name.text}`);
  for (const a of call.assignments) {
    // `IFS= read -r line` changes splitting for that builtin only, not how the text is read.
    const reason = a.name === "IFS" ? undefined : dangerousVariable(a.name);
    if (reason) walk.dynamic(reason);
  }
  const path = name.text.includes("/") ? name.text : undefined;
  const program = path ? (path.replace(/\/+$/, "").split("/").pop() ?? path) : name.text;
  const args = call.words.slice(1);
  const plainName = !path && !name.dynamic && !name.glob;
  const fn = plainName && !call.external && !call.noFunctions ? scope.functions.get(name.text) : undefined;
  if (fn) {
    hooks.callFunction(name.text, fn, inner(scope, { redirects: [...call.redirects, ...scope.redirects] }));
    return;
  }
  const builtin = plainName && !call.external && BUILTINS.has(name.text);
  walk.commands.push({
    program,
    ...(path !== undefined ? { path } : {}),
    argv: [call.argv0 ?? name.text, ...args.map((a) => a.text)],
    argv_dynamic: call.argvDynamic || args.some((a) => a.dynamic || a.glob),
    builtin,
    assignments: call.assignments,
    redirects: [...call.redirects, ...scope.redirects],
    via: scope.via,
  });
  const reason = builtin ? builtinDynamic(program, args) : programDynamic(program, args, scope.stdin.kind !== "inherited");
  if (reason) walk.dynamic(reason);
  const inners = builtin ? unwrapBuiltin(program, args) : unwrapProgram(program, args);
  if (inners.length > 0 && optionsDynamic(args)) walk.dynamic(`${program}'s options hold an expansion: what it runs is not known`);
  for (const next of inners) follow(walk, scope, call, next, hooks);
}

function follow(walk: Walk, scope: Scope, call: Call, next: Inner, hooks: Hooks): void {
  const redirects = [...call.redirects, ...scope.redirects];
  switch (next.kind) {
    case "dynamic":
      walk.dynamic(next.reason);
      return;
    case "command":
      resolveCommand(walk, inner(scope, { add: next.via, redirects: scope.redirects }), {
        words: next.argv,
        assignments: next.assignments ?? [],
        redirects: call.redirects,
        external: next.external,
        noFunctions: next.noFunctions ?? false,
        argvDynamic: next.argvDynamic ?? false,
        ...(next.argv0 !== undefined ? { argv0: next.argv0 } : {}),
      }, hooks);
      return;
    case "code":
      if (next.code.dynamic) walk.dynamic(`${next.via.program} runs shell code from an expansion`);
      else hooks.parseCode(next.code.text, inner(scope, { add: next.via, redirects, stdin: scope.stdin }));
      return;
    case "stdin":
      codeFromInput(walk, scope, next, redirects, hooks);
  }
}

/** A shell with no command string runs whatever its standard input holds. */
function codeFromInput(walk: Walk, scope: Scope, next: Extract<Inner, { kind: "stdin" }>, redirects: ShellRedirect[], hooks: Hooks): void {
  const stdin: Stdin = scope.stdin;
  if (stdin.kind === "text") {
    if (stdin.dynamic) {
      walk.dynamic(`a ${stdin.from} with expansions is fed to ${next.program}`);
      return;
    }
    const via: ShellVia = {
      kind: "shell",
      program: next.program,
      from: stdin.from,
      ...(next.user !== undefined ? { user: next.user } : {}),
      ...(next.host !== undefined ? { host: next.host } : {}),
    };
    hooks.parseCode(stdin.text, inner(scope, { add: via, redirects, stdin: { kind: "file" } }));
    return;
  }
  if (stdin.kind === "pipe") {
    walk.dynamic(`a pipe into ${next.program} runs code from its input`);
    if (stdin.from.some(decodesBase64)) walk.dynamic("a base64-decoded payload is piped to a shell");
    return;
  }
  walk.dynamic(stdin.kind === "file" ? `${next.program} runs code read from a file` : `${next.program} reads code from its input`);
}

function decodesBase64(command: { program: string; argv: string[] }): boolean {
  const decode = command.argv.slice(1).some((a) => /^(-\w*[dD]|--decode|-r)$/.test(a));
  return (command.program === "base64" || command.program === "base32" || command.program === "openssl" || command.program === "xxd") && decode;
}
