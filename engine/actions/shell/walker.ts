/**
 * Walks the grammar's tree of one command text and records every simple command that could run, with the
 * context it runs in. Statement forms live here; what a simple command's name runs is in command.ts.
 */
import { dangerousVariable } from "./builtins.js";
import { resolveCommand, type Hooks } from "./command.js";
import { inner, MAX_DEPTH, type FunctionDef, type Scope, type Stdin, type Walk } from "./context.js";
import { builtinDynamic } from "./dynamic.js";
import type { Node } from "./parser.js";
import { parseRedirect, type ParsedRedirect } from "./redirects.js";
import type { ShellAssignment } from "./types.js";
import { expandWord, type Field } from "./words.js";

const WORDS = new Set(["word", "string", "raw_string", "concatenation", "expansion", "simple_expansion", "number", "ansi_c_string", "translated_string", "arithmetic_expansion", "command_substitution", "process_substitution", "array"]);
const REDIRECTS = new Set(["file_redirect", "heredoc_redirect", "herestring_redirect"]);
const ARITHMETIC = "arithmetic evaluates a variable's value as an expression, which can run a command substitution";

export class Walker implements Hooks {
  private readonly walk: Walk;
  /** Parses shell code given as a string (sh -c, a here-document) and walks it in the given scope. */
  private readonly nested: (text: string, scope: Scope) => void;

  constructor(walk: Walk, nested: (text: string, scope: Scope) => void) {
    this.walk = walk;
    this.nested = nested;
  }

  visit(node: Node, scope: Scope): void {
    switch (node.type) {
      case "program":
      case "do_group":
      case "else_clause":
      case "negated_command":
        return this.statements(node, scope);
      case "compound_statement":
        if (node.child(0)?.type === "((") return this.arithmeticCommand(node);
        return this.statements(node, scope);
      case "subshell":
        return this.statements(node, inner(scope, { add: { kind: "subshell" }, subshell: true }));
      case "list":
        return this.list(node, scope);
      case "pipeline":
        return this.pipeline(node.namedChildren.filter((n): n is Node => n !== null).map((n) => (s: Scope) => this.visit(n, s)), scope);
      case "redirected_statement":
        return this.redirected(node, scope);
      case "command":
        return this.command(node, scope, []);
      case "if_statement":
        return this.ifStatement(node, scope);
      case "while_statement":
        return this.statements(node, inner(scope, { add: { kind: "loop" }, conditional: true }));
      case "for_statement":
      case "c_style_for_statement":
        return this.forStatement(node, scope);
      case "case_statement":
        return this.caseStatement(node, scope);
      case "function_definition":
        return this.defineFunction(node, scope);
      case "declaration_command":
      case "unset_command":
        return this.declaration(node, scope);
      case "test_command":
        return this.testCommand(node, scope);
      case "variable_assignment":
      case "variable_assignments":
        this.assignments(node, scope, true);
        return;
      case "comment":
      case "heredoc_body":
      case "heredoc_end":
        return;
      default:
        if (WORDS.has(node.type)) return this.substitutions(expandWord(node).substitutions, scope);
        return this.statements(node, scope);
    }
  }

  /** Statements in sequence; one followed by `&` runs in the background. */
  private statements(node: Node, scope: Scope): void {
    const count = node.childCount;
    for (let i = 0; i < count; i++) {
      const child = node.child(i)!;
      if (!child.isNamed) continue;
      const background = node.child(i + 1)?.type === "&";
      this.visit(child, background ? inner(scope, { add: { kind: "background" }, subshell: true }) : scope);
    }
  }

  private list(node: Node, scope: Scope): void {
    let operator: string | undefined;
    for (let i = 0; i < node.childCount; i++) {
      const child = node.child(i)!;
      if (!child.isNamed) {
        operator = child.type;
        continue;
      }
      if (operator === "&&" || operator === "||") this.visit(child, inner(scope, { add: { kind: operator === "&&" ? "and" : "or" }, conditional: true }));
      else this.visit(child, scope);
    }
  }

  /** Each member runs in its own subshell, reading what the member before it writes. */
  private pipeline(members: Array<(scope: Scope) => void>, scope: Scope): void {
    let previous: Stdin = scope.stdin;
    for (const member of members) {
      const before = this.walk.commands.length;
      member(inner(scope, { add: { kind: "pipeline" }, subshell: true, stdin: previous }));
      previous = { kind: "pipe", from: this.walk.commands.slice(before) };
    }
  }

  private redirected(node: Node, scope: Scope): void {
    const body = node.childForFieldName("body");
    const parsed: ParsedRedirect[] = [];
    for (let i = 0; i < node.childCount; i++) {
      const child = node.child(i)!;
      if (REDIRECTS.has(child.type)) parsed.push(parseRedirect(child));
    }
    for (const p of parsed) this.substitutions(p.substitutions, scope);
    const runBody = (s: Scope): void => {
      if (!body) return;
      if (body.type === "command") return this.command(body, s, parsed);
      const stdin = parsed.reduce<Stdin>((current, p) => p.stdin ?? current, s.stdin);
      this.visit(body, inner(s, { redirects: [...parsed.map((p) => p.redirect), ...s.redirects], stdin }));
    };
    // The grammar hangs a here-document line's `| next` or `&& next` under the redirect node.
    const rest = parsed.find((p) => p.continuation.pipeline || p.continuation.right)?.continuation;
    const first = rest?.pipeline
      ? (s: Scope) => this.pipeline([runBody, ...rest.pipeline!.namedChildren.filter((n): n is Node => n !== null).map((n) => (t: Scope) => this.visit(n, t))], s)
      : runBody;
    first(scope);
    if (rest?.right) {
      const kind = rest.operator === "||" ? "or" : "and";
      this.visit(rest.right, inner(scope, { add: { kind }, conditional: true }));
    }
  }

  private command(node: Node, scope: Scope, outer: ParsedRedirect[]): void {
    const words: Field[] = [];
    const assignments: ShellAssignment[] = [];
    const parsed: ParsedRedirect[] = [];
    for (let i = 0; i < node.childCount; i++) {
      const child = node.child(i)!;
      const field = node.fieldNameForChild(i);
      if (child.type === "variable_assignment") assignments.push(...this.assignments(child, scope, false));
      else if (REDIRECTS.has(child.type)) parsed.push(parseRedirect(child));
      else if (field === "name" || field === "argument") {
        const expanded = expandWord(child);
        this.substitutions(expanded.substitutions, scope);
        if (expanded.arithmetic) this.walk.dynamic(ARITHMETIC);
        if (expanded.tooMany) this.walk.dynamic("brace expansion makes too many words to list");
        if (field === "name" && expanded.braced) this.walk.dynamic("brace expansion in command position");
        words.push(...expanded.fields);
      }
    }
    parsed.push(...outer);
    for (const p of parsed) this.substitutions(p.substitutions, scope);
    const stdin = parsed.reduce<Stdin>((current, p) => p.stdin ?? current, scope.stdin);
    if (words.length === 0) {
      for (const a of assignments) this.dangerous(a.name);
      return;
    }
    const call = { words, assignments, redirects: parsed.map((p) => p.redirect), external: false, noFunctions: false, argvDynamic: false };
    resolveCommand(this.walk, inner(scope, { stdin }), call, this);
  }

  /** Assignments, standalone (they last for the rest of the shell) or in front of a command (for it alone). */
  private assignments(node: Node, scope: Scope, standalone: boolean): ShellAssignment[] {
    if (node.type === "variable_assignments") {
      return node.namedChildren.flatMap((n) => (n ? this.assignments(n, scope, standalone) : []));
    }
    const name = node.childForFieldName("name")?.text ?? "";
    const value = node.childForFieldName("value");
    if (standalone) this.dangerous(name);
    if (!value) return [{ name, value: "", dynamic: false }];
    const expanded = expandWord(value, "assignment");
    this.substitutions(expanded.substitutions, scope);
    if (expanded.arithmetic) this.walk.dynamic(ARITHMETIC);
    const field = expanded.fields[0]!;
    const isArray = value.type === "array";
    return [{ name, value: isArray ? value.text : field.text, dynamic: isArray ? value.text.includes("$") || value.text.includes("`") : field.dynamic }];
  }

  private dangerous(name: string): void {
    const reason = dangerousVariable(name);
    if (reason) this.walk.dynamic(reason);
  }

  /** Commands in `$(…)`, backquotes and `<(…)` run before the command they are part of. */
  private substitutions(nodes: Node[], scope: Scope): void {
    for (const node of nodes) {
      const kind = node.type === "process_substitution" ? "process-substitution" : "command-substitution";
      this.statements(node, inner(scope, { add: { kind }, subshell: true, redirects: [] }));
    }
  }

  private ifStatement(node: Node, scope: Scope): void {
    const branch = inner(scope, { add: { kind: "if" }, conditional: true });
    for (let i = 0; i < node.childCount; i++) {
      const child = node.child(i)!;
      if (!child.isNamed) continue;
      this.visit(child, node.fieldNameForChild(i) === "condition" ? scope : branch);
    }
  }

  private forStatement(node: Node, scope: Scope): void {
    const loop = inner(scope, { add: { kind: "loop" }, conditional: true });
    if (node.type === "c_style_for_statement") this.arithmeticHeader(node);
    for (let i = 0; i < node.childCount; i++) {
      const child = node.child(i)!;
      const field = node.fieldNameForChild(i);
      if (field === "value") {
        const expanded = expandWord(child);
        this.substitutions(expanded.substitutions, scope);
        if (expanded.arithmetic) this.walk.dynamic(ARITHMETIC);
      } else if (field === "body") this.visit(child, loop);
    }
  }

  private caseStatement(node: Node, scope: Scope): void {
    const branch = inner(scope, { add: { kind: "case" }, conditional: true });
    for (let i = 0; i < node.childCount; i++) {
      const child = node.child(i)!;
      if (node.fieldNameForChild(i) === "value") this.substitutions(expandWord(child).substitutions, scope);
      else if (child.type === "case_item") {
        for (let k = 0; k < child.childCount; k++) {
          const part = child.child(k)!;
          if (!part.isNamed) continue;
          if (child.fieldNameForChild(k) === "value") this.substitutions(expandWord(part).substitutions, branch);
          else this.visit(part, branch);
        }
      }
    }
  }

  private defineFunction(node: Node, scope: Scope): void {
    const name = node.childForFieldName("name")?.text ?? "";
    const body = node.childForFieldName("body");
    if (name === "command_not_found_handle") this.walk.dynamic("command_not_found_handle runs for every unknown command");
    if (body) scope.functions.set(name, { body, certain: !scope.conditional });
  }

  callFunction(name: string, def: FunctionDef, scope: Scope): void {
    if (!def.certain) this.walk.dynamic(`function ${name} is defined where it may not run`);
    if (this.walk.calling.has(name) || this.walk.calling.size >= MAX_DEPTH) {
      this.walk.dynamic(`function ${name} calls itself`);
      return;
    }
    this.walk.calling.add(name);
    this.visit(def.body, inner(scope, { add: { kind: "function", name } }));
    this.walk.calling.delete(name);
  }

  parseCode(text: string, scope: Scope): void {
    if (scope.depth >= MAX_DEPTH) {
      this.walk.dynamic("shell code nested too deep to follow");
      return;
    }
    this.nested(text, { ...scope, depth: scope.depth + 1, functions: new Map(), conditional: false });
  }

  /** declare, export, local, readonly, typeset and unset: builtins whose assignments outlive the command. */
  private declaration(node: Node, scope: Scope): void {
    const keyword = node.child(0)?.type ?? "declare";
    const argv: Field[] = [];
    const assignments: ShellAssignment[] = [];
    for (const child of node.namedChildren) {
      if (!child) continue;
      if (child.type === "variable_assignment") {
        const made = this.assignments(child, scope, true);
        assignments.push(...made);
        argv.push(...made.map((a) => ({ text: `${a.name}=${a.value}`, dynamic: a.dynamic, glob: false })));
      } else {
        const expanded = expandWord(child);
        this.substitutions(expanded.substitutions, scope);
        argv.push(...expanded.fields);
      }
    }
    if (keyword === "unset") this.unset(argv, scope);
    const reason = builtinDynamic(keyword, argv);
    if (reason) this.walk.dynamic(reason);
    this.walk.commands.push({
      program: keyword,
      argv: [keyword, ...argv.map((a) => a.text)],
      argv_dynamic: argv.some((a) => a.dynamic || a.glob),
      builtin: true,
      assignments,
      redirects: [...scope.redirects],
      via: scope.via,
    });
  }

  /** `unset -f f` makes `f` a program name again; plain `unset f` may or may not (a variable goes first). */
  private unset(argv: Field[], scope: Scope): void {
    const functionsOnly = argv.some((a) => /^-\w*f/.test(a.text));
    for (const a of argv) {
      if (a.dynamic) this.walk.dynamic("unset names an expansion");
      if (!scope.functions.has(a.text)) continue;
      if (functionsOnly) scope.functions.delete(a.text);
      else this.walk.dynamic(`unset ${a.text} may remove a function of that name`);
    }
  }

  private testCommand(node: Node, scope: Scope): void {
    // [[ a -eq b ]] compares arithmetically: a variable's value is evaluated as an expression.
    if (/\s-(eq|ne|lt|le|gt|ge)\s/.test(node.text) && /\$|\b[A-Za-z_]\w*\s+-(eq|ne|lt|le|gt|ge)\b|-(eq|ne|lt|le|gt|ge)\s+[A-Za-z_]/.test(node.text)) {
      this.walk.dynamic(ARITHMETIC);
    }
    this.walk.commands.push({ program: "[[", argv: ["[["], argv_dynamic: true, builtin: true, assignments: [], redirects: [...scope.redirects], via: scope.via });
    this.statements(node, scope);
  }

  private arithmeticCommand(node: Node): void {
    if (/[A-Za-z_$]/.test(node.text)) this.walk.dynamic(ARITHMETIC);
  }

  /** `for ((i=0; i<n; i++))` is fine when every name it uses is one its initializer sets. */
  private arithmeticHeader(node: Node): void {
    const init = node.childForFieldName("initializer")?.text ?? "";
    const set = new Set([...init.matchAll(/([A-Za-z_]\w*)\s*=/g)].map((m) => m[1]));
    const body = node.childForFieldName("body");
    const header = node.text.slice(0, body ? body.startIndex - node.startIndex : undefined);
    const names = [...header.replace(/^for/, "").replace(/\bdo\b/, "").matchAll(/[A-Za-z_]\w*/g)].map((m) => m[0]);
    if (header.includes("$") || names.some((n) => !set.has(n))) this.walk.dynamic(ARITHMETIC);
  }
}
