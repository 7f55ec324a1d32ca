/**
 * Programs and builtins that run another command: what they run, and how. Each wrapper reads its own
 * options the way the real one does, so `sudo -u root rm` runs `rm` and `timeout 5 rm` does not run `5`.
 */
import { SHELLS } from "./builtins.js";
import { has, readOptions, skipAssignments, valueOf, type OptionSpec } from "./options.js";
import type { ShellAssignment, ShellVia } from "./types.js";
import type { Field } from "./words.js";

export type Inner =
  /** Runs argv as a command. */
  | {
      kind: "command";
      argv: Field[];
      via: ShellVia;
      /** Only a program runs (execvp): no shell function or builtin. */
      external: boolean;
      /** Shell functions are skipped (`command f`), builtins still run. */
      noFunctions?: boolean;
      /** Arguments are added or replaced at run time (xargs input, find's `{}`). */
      argvDynamic?: boolean;
      /** May run any number of times (find, xargs, watch). */
      repeats?: boolean;
      assignments?: ShellAssignment[];
      /** argv[0] set by `exec -a NAME`. */
      argv0?: string;
    }
  /** Runs a string as shell code: parse it again. */
  | { kind: "code"; code: Field; via: ShellVia & { kind: "shell" } }
  /** A shell reading commands from standard input. */
  | { kind: "stdin"; program: string; user?: string; host?: string }
  | { kind: "dynamic"; reason: string };

type Unwrapper = (program: string, args: Field[]) => Inner[];

const wrapper = (program: string, user?: string): ShellVia => (user === undefined ? { kind: "wrapper", program } : { kind: "wrapper", program, user });

/** Runs the operands from `at` on as a program, or nothing when there are none. */
function run(program: string, args: Field[], at: number, extra: Partial<Extract<Inner, { kind: "command" }>> = {}, user?: string): Inner[] {
  if (at >= args.length) return [];
  return [{ kind: "command", argv: args.slice(at), via: wrapper(program, user), external: true, ...extra }];
}

function assignmentsOf(args: Field[], from: number, to: number): ShellAssignment[] {
  return args.slice(from, to).map((a) => {
    const eq = a.text.indexOf("=");
    return { name: a.text.slice(0, eq), value: a.text.slice(eq + 1), dynamic: a.dynamic };
  });
}

/** A wrapper whose options end where the command starts, with `skip` fixed operands (timeout's duration) first. */
function simple(spec: OptionSpec, skip = 0, none?: string[]): Unwrapper {
  return (program, args) => {
    const read = readOptions(args, { ...spec, stopAtOperand: true });
    if (none && has(read, ...none)) return [];
    return run(program, args, read.next + skip);
  };
}

const sudo: Unwrapper = (program, args) => {
  const read = readOptions(args, { short: "ugCDhprtTUc", long: ["--user", "--group", "--host", "--prompt", "--close-from", "--chdir", "--role", "--type", "--command-timeout", "--other-user"] });
  if (has(read, "-l", "--list", "-e", "--edit", "-v", "--validate", "-V", "--version")) return [];
  const user = valueOf(read, "-u", "--user") ?? "root";
  const at = skipAssignments(args, read.next);
  if (at >= args.length) return has(read, "-i", "-s", "--login", "--shell") ? [{ kind: "stdin", program, user }] : [];
  return run(program, args, at, { assignments: assignmentsOf(args, read.next, at) }, user);
};

const doas: Unwrapper = (program, args) => {
  const read = readOptions(args, { short: "uC" });
  const user = valueOf(read, "-u") ?? "root";
  if (has(read, "-C")) return [];
  if (has(read, "-s") || read.next >= args.length) return [{ kind: "stdin", program, user }];
  return run(program, args, read.next, {}, user);
};

const env: Unwrapper = (program, args) => {
  const read = readOptions(args, { short: "uCS", long: ["--unset", "--chdir", "--split-string"] });
  if (has(read, "-S", "--split-string")) return [{ kind: "dynamic", reason: "env -S splits a string into a command" }];
  const start = args[read.next]?.text === "-" ? read.next + 1 : read.next;
  const at = skipAssignments(args, start);
  return run(program, args, at, { assignments: assignmentsOf(args, start, at) });
};

const xargs: Unwrapper = (program, args) => {
  const read = readOptions(args, { short: "aEdILnPs", long: ["--arg-file", "--delimiter", "--eof", "--max-lines", "--max-args", "--max-procs", "--max-chars", "--process-slot-var"] });
  const argv = read.next < args.length ? args.slice(read.next) : [{ text: "echo", dynamic: false, glob: false }];
  return [{ kind: "command", argv, via: wrapper(program), external: true, argvDynamic: true, repeats: true }];
};

const find: Unwrapper = (program, args) => {
  const inner: Inner[] = [];
  for (let i = 0; i < args.length; i++) {
    if (!/^-(exec|execdir|ok|okdir)$/.test(args[i]!.text)) continue;
    let end = i + 1;
    while (end < args.length && args[end]!.text !== ";" && args[end]!.text !== "+") end++;
    const argv = args.slice(i + 1, end).map((a) => (a.text.includes("{}") ? { ...a, dynamic: true } : a));
    if (argv.length > 0) inner.push({ kind: "command", argv, via: wrapper(program), external: true, argvDynamic: argv.some((a) => a.dynamic), repeats: true });
    i = end;
  }
  return inner;
};

const watch: Unwrapper = (program, args) => {
  const read = readOptions(args, { short: "nqd", long: ["--interval", "--differences"] });
  if (read.next >= args.length) return [];
  if (has(read, "-x", "--exec")) return run(program, args, read.next, { repeats: true });
  return [{ kind: "code", code: joined(args.slice(read.next)), via: { kind: "shell", program, from: "-c" } }];
};

const flock: Unwrapper = (program, args) => {
  const read = readOptions(args, { short: "wEc", long: ["--timeout", "--conflict-exit-code", "--command"] });
  const code = valueOf(read, "-c", "--command");
  const codeField = args.find((a) => a.text === code);
  if (code !== undefined) return [{ kind: "code", code: codeField ?? { text: code, dynamic: false, glob: false }, via: { kind: "shell", program, from: "-c" } }];
  return run(program, args, read.next + 1);
};

const chroot: Unwrapper = (program, args) => {
  const read = readOptions(args, { long: ["--userspec", "--groups"] });
  if (read.next + 1 >= args.length) return [{ kind: "stdin", program }];
  return run(program, args, read.next + 1);
};

const su: Unwrapper = (program, args) => {
  const read = readOptions(args, { short: "cCgGsw", long: ["--command", "--session-command", "--group", "--supp-group", "--shell", "--whitelist-environment"] });
  let at = read.next;
  if (args[at]?.text === "-") at++;
  const user = at < args.length && !args[at]!.text.startsWith("-") ? args[at]!.text : "root";
  // su permutes its arguments (getopt): `-c CODE` may come after the user, as in `su - postgres -c CODE`.
  const after = args.findIndex((a, i) => i >= at && /^(-\w*[cC]|--command|--session-command)$/.test(a.text));
  const code = valueOf(read, "-c", "-C", "--command", "--session-command") ?? (after >= 0 ? args[after + 1]?.text : undefined);
  if (code === undefined) return [{ kind: "stdin", program, user }];
  const field = args.find((a, i) => i > 0 && a.text === code && /^(-\w*[cC]|--command|--session-command)$/.test(args[i - 1]!.text)) ?? { text: code, dynamic: false, glob: false };
  return [{ kind: "code", code: field, via: { kind: "shell", program, from: "-c", user } }];
};

const ssh: Unwrapper = (program, args) => {
  const read = readOptions(args, { short: "BbcDEeFIiJLlmOoPpQRSWw", stopAtOperand: true });
  if (read.next >= args.length || has(read, "-N", "-s", "-O", "-Q", "-V", "-G")) return [];
  const target = args[read.next]!.text;
  const at = target.lastIndexOf("@");
  const host = at < 0 ? target : target.slice(at + 1);
  const user = at < 0 ? valueOf(read, "-l") : target.slice(0, at);
  const remote = args.slice(read.next + 1);
  const via = { kind: "shell" as const, program, from: "remote" as const, host, ...(user !== undefined ? { user } : {}) };
  if (remote.length === 0) return [{ kind: "stdin", program, host, ...(user !== undefined ? { user } : {}) }];
  // sshd joins the words with spaces and hands the string to the remote user's shell with -c.
  return [{ kind: "code", code: joined(remote), via }];
};

const shell: Unwrapper = (program, args) => {
  const read = readOptions(args, { short: "oO", long: ["--rcfile", "--init-file"] });
  if (has(read, "-i")) return [{ kind: "dynamic", reason: `${program} -i loads startup files and aliases` }];
  if (has(read, "-c")) {
    const code = args[read.next];
    return code ? [{ kind: "code", code, via: { kind: "shell", program, from: "-c" } }] : [];
  }
  // A script file runs like any program file; with no file (or -s) the shell reads code from its input.
  if (read.next < args.length && !has(read, "-s")) return [];
  return [{ kind: "stdin", program }];
};

const PROGRAM_WRAPPERS: ReadonlyMap<string, Unwrapper> = new Map<string, Unwrapper>([
  ["sudo", sudo],
  ["doas", doas],
  ["env", env],
  ["nohup", simple({})],
  ["timeout", simple({ short: "sk", long: ["--signal", "--kill-after"] }, 1)],
  ["nice", simple({ short: "n", long: ["--adjustment"] })],
  ["ionice", simple({ short: "cnpPu", long: ["--class", "--classdata", "--pid", "--pgid", "--uid"] }, 0, ["-p", "-P", "-u", "--pid", "--pgid", "--uid"])],
  ["stdbuf", simple({ short: "ioe", long: ["--input", "--output", "--error"] })],
  ["setsid", simple({})],
  ["time", simple({ short: "fo", long: ["--format", "--output"] })],
  ["taskset", simple({}, 1, ["-p", "--pid"])],
  ["chrt", simple({}, 1, ["-p", "--pid"])],
  ["unbuffer", simple({})],
  ["busybox", simple({})],
  ["xargs", xargs],
  ["find", find],
  ["watch", watch],
  ["flock", flock],
  ["chroot", chroot],
  ["su", su],
  ["runuser", su],
  ["ssh", ssh],
]);

/** What a program runs, when it is a wrapper; [] when it runs nothing else. */
export function unwrapProgram(program: string, args: Field[]): Inner[] {
  if (SHELLS.has(program)) return shell(program, args);
  const unwrap = PROGRAM_WRAPPERS.get(program);
  return unwrap ? unwrap(program, args) : [];
}

/** What a builtin runs: `command`, `builtin`, `exec` and the `time` keyword run the rest of the line. */
export function unwrapBuiltin(name: string, args: Field[]): Inner[] {
  switch (name) {
    case "command": {
      const read = readOptions(args, { stopAtOperand: true });
      if (has(read, "-v", "-V")) return [];
      return read.next < args.length ? [{ kind: "command", argv: args.slice(read.next), via: wrapper(name), external: false, noFunctions: true }] : [];
    }
    case "builtin":
      return args.length > 0 ? [{ kind: "command", argv: args, via: wrapper(name), external: false, noFunctions: true }] : [];
    case "exec": {
      const read = readOptions(args, { short: "a", stopAtOperand: true });
      const argv0 = valueOf(read, "-a");
      if (read.next >= args.length) return [];
      return [{ kind: "command", argv: args.slice(read.next), via: wrapper(name), external: true, ...(argv0 !== undefined ? { argv0 } : {}) }];
    }
    case "time": {
      const read = readOptions(args, { stopAtOperand: true });
      return read.next < args.length ? [{ kind: "command", argv: args.slice(read.next), via: wrapper(name), external: false }] : [];
    }
    default:
      return [];
  }
}

/** Words a wrapper joins with spaces before a shell reads them (ssh, watch). */
function joined(words: Field[]): Field {
  return { text: words.map((w) => w.text).join(" "), dynamic: words.some((w) => w.dynamic || w.glob), glob: false };
}

/** True when a wrapper's own options hold an expansion, so where its command starts is not known. */
export function optionsDynamic(args: Field[]): boolean {
  for (const a of args) {
    if (!a.text.startsWith("-") && !a.dynamic) return false;
    if (a.dynamic) return true;
  }
  return false;
}
