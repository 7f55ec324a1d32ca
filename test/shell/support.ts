import * as assert from "uvu/assert";
import { loadShellParser, normalizeShell } from "../../engine/actions/shell/index.js";
import type { ShellAction, ShellCommand } from "../../engine/actions/shell/index.js";

/** The bash grammar (WASM) is loaded once per test process, as the gateway does at start. */
await loadShellParser();

export { normalizeShell };

/** The action for `text`, failing the test when it does not parse. */
export function parsed(text: string): ShellAction {
  const action = normalizeShell(text);
  assert.equal(action.parse_error, undefined, `${JSON.stringify(text)} should parse`);
  return action;
}

/** Each command as `program arg1 arg2` (argv[0] left out), in document order. */
export function lines(text: string): string[] {
  return parsed(text).commands.map(line);
}

export function line(c: ShellCommand): string {
  return [c.program, ...c.argv.slice(1)].join(" ");
}

/** Only the programs (not builtins) as lines. */
export function programs(text: string): string[] {
  return parsed(text).commands.filter((c) => !c.builtin).map(line);
}

/** The one command named `program`; fails unless exactly one. */
export function only(text: string, program: string): ShellCommand {
  const found = parsed(text).commands.filter((c) => c.program === program);
  assert.is(found.length, 1, `${JSON.stringify(text)} should run ${program} once`);
  return found[0]!;
}

/** `[dynamic, reasons]` of a text. */
export function dynamic(text: string): [boolean, string[]] {
  const a = normalizeShell(text);
  return [a.dynamic, a.dynamic_reasons];
}

/** Asserts the text is static (not dynamic). */
export function isStatic(text: string): void {
  const a = parsed(text);
  assert.equal([a.dynamic, a.dynamic_reasons], [false, []], `${JSON.stringify(text)} should be static`);
}

/** Asserts the text is dynamic with a reason matching `pattern`. */
export function isDynamic(text: string, pattern: RegExp): void {
  const a = normalizeShell(text);
  assert.ok(a.dynamic, `${JSON.stringify(text)} should be dynamic`);
  assert.ok(a.dynamic_reasons.some((r) => pattern.test(r)), `${JSON.stringify(text)}: ${JSON.stringify(a.dynamic_reasons)} should match ${pattern}`);
}

/** The via kinds (with program, user, host or name) of the command named `program`. */
export function vias(text: string, program: string): string[] {
  return only(text, program).via.map((v) => {
    const detail = "program" in v ? `:${v.program}` : "name" in v ? `:${v.name}` : "";
    const user = "user" in v && v.user !== undefined ? `@${v.user}` : "";
    const host = "host" in v && v.host !== undefined ? `#${v.host}` : "";
    return `${v.kind}${detail}${user}${host}`;
  });
}
