/**
 * Commands that run code the text does not show: builtins that run strings as shell code, interpreters given
 * a program as an argument, and tools with an option that runs commands. Each gives the reason the policy sees.
 */
import type { Field } from "./words.js";

/** Builtins that run text as shell code or change how names resolve. */
const EVALUATING_BUILTINS: ReadonlyMap<string, string> = new Map([
  ["eval", "eval runs its arguments as shell code"],
  ["source", "source runs a file as shell code"],
  [".", ". runs a file as shell code"],
  ["trap", "trap runs its argument as shell code"],
  ["alias", "alias changes what a command name runs"],
  ["enable", "enable changes which builtins exist"],
  ["coproc", "coproc runs a command the document does not follow"],
  ["fc", "fc runs commands from history"],
  ["bind", "bind -x runs shell code on a key"],
  ["complete", "complete -C runs a command"],
]);

/** The reason a builtin call is dynamic, or undefined. */
export function builtinDynamic(name: string, args: Field[]): string | undefined {
  const reason = EVALUATING_BUILTINS.get(name);
  if (reason !== undefined) return reason;
  const flags = args.map((a) => a.text);
  if ((name === "mapfile" || name === "readarray") && flags.some((f) => /^-\w*C/.test(f))) return `${name} -C runs a callback`;
  if (name === "hash" && flags.some((f) => /^-\w*p/.test(f))) return "hash -p binds a command name to another file";
  if ((name === "export" || name === "declare" || name === "typeset" || name === "readonly" || name === "local") && flags.some((f) => /^-\w*f/.test(f))) {
    return `${name} -f passes functions to child shells`;
  }
  if (name === "let" && args.some((a) => a.dynamic || /[A-Za-z_]/.test(a.text.replace(/^[A-Za-z_][A-Za-z0-9_]*(\[[^\]]*\])?[-+*/%&|^<>]?=/, "")))) {
    return "arithmetic evaluates a variable's value as an expression";
  }
  return undefined;
}

interface Interpreter {
  /** Options whose next argument (or the rest of the same argument) is program text. */
  code: RegExp;
  /** Options that take a separate argument that is not code. */
  withArgument?: RegExp;
  /** Options after which the rest is a module or file to run, not code from input. */
  runsNamed?: RegExp;
}

const PYTHON: Interpreter = { code: /^-\w*c/, withArgument: /^-[WXQ]$/, runsNamed: /^-\w*m/ };
const INTERPRETERS: ReadonlyMap<string, Interpreter> = new Map([
  ["python", PYTHON], ["python2", PYTHON], ["python3", PYTHON], ["pypy", PYTHON], ["pypy3", PYTHON],
  ["perl", { code: /^-\w*[eE]/, withArgument: /^-[IMm]$/ }],
  ["ruby", { code: /^-\w*e/, withArgument: /^-[IrCE]$/ }],
  ["node", { code: /^(-\w*[ep]|--eval|--print)(=|$)/, withArgument: /^(-r|--require|--import|--loader)$/ }],
  ["nodejs", { code: /^(-\w*[ep]|--eval|--print)(=|$)/, withArgument: /^(-r|--require)$/ }],
  ["php", { code: /^-\w*[rRBE]/, withArgument: /^-[cdz]$/ }],
  ["lua", { code: /^-\w*e/, withArgument: /^-l$/ }],
  ["Rscript", { code: /^(-e|--expr)/ }],
  ["tclsh", { code: /^$^/ }],
  ["osascript", { code: /^-e/ }],
]);

const AWKS = new Set(["awk", "gawk", "mawk", "nawk"]);

/** The reason a program call runs code the document cannot see, or undefined. */
export function programDynamic(program: string, args: Field[], stdinIsCode: boolean): string | undefined {
  const name = /^python3\.\d+$/.test(program) ? "python3" : program;
  const interpreter = INTERPRETERS.get(name);
  if (interpreter) return interpreterDynamic(program, interpreter, args, stdinIsCode);
  if (AWKS.has(program)) return awkDynamic(program, args);
  if (program === "sed") return sedDynamic(args);
  if (program === "tar" && args.some((a) => /^--(to-command|checkpoint-action|use-compress-program|rsh-command|info-script|new-volume-script)|^-\w*[IF]/.test(a.text))) {
    return "tar runs a command given in an option";
  }
  if (program === "git" && args.some((a) => /^(-c|--config-env)$|^--(upload-pack|receive-pack|exec)=?/.test(a.text))) {
    return "git runs commands its configuration names";
  }
  if (program === "rsync" && args.some((a) => /^(-\w*e|--rsh)/.test(a.text))) return "rsync runs the remote shell command given with -e";
  if (program === "scp" && args.some((a) => /^-\w*S|ProxyCommand/i.test(a.text))) return "scp runs a command given in an option";
  if (program === "ssh" && args.some((a) => /ProxyCommand|LocalCommand|PermitLocalCommand|KnownHostsCommand|Match\b/i.test(a.text))) {
    return "ssh runs a local command given in an option";
  }
  return undefined;
}

function interpreterDynamic(program: string, interpreter: Interpreter, args: Field[], stdinIsCode: boolean): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const text = args[i]!.text;
    if (text === "--") break;
    if (text === "-") return `${program} reads a program from its input`;
    if (!text.startsWith("-")) return args[i]!.dynamic ? `${program} runs a file named by an expansion` : undefined;
    if (interpreter.code.test(text)) return `${program} ${text} runs code given as text`;
    if (interpreter.runsNamed?.test(text)) return undefined;
    if (interpreter.withArgument?.test(text)) i++;
  }
  // No program named: it reads one from standard input.
  return stdinIsCode ? `${program} reads a program from its input` : `${program} with no program file reads code from its input`;
}

function awkDynamic(program: string, args: Field[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg.text === "-f" || arg.text.startsWith("--file") || /^-\w*f$/.test(arg.text)) return `${program} runs a program file that can run commands`;
    if (/^-[vF]$/.test(arg.text)) {
      i++;
      continue;
    }
    if (arg.text.startsWith("-") && arg.text !== "-") continue;
    if (arg.dynamic) return `${program} runs a program from an expansion`;
    // system(), a pipe to or from a command, and getline from a command all run commands.
    if (/system|\||getline|>\s*"\/dev\/|ENVIRON/.test(arg.text)) return `${program} program runs commands (system or a pipe)`;
    return undefined;
  }
  return undefined;
}

function sedDynamic(args: Field[]): string | undefined {
  const scripts: string[] = [];
  let named = false;
  for (let i = 0; i < args.length; i++) {
    const text = args[i]!.text;
    if (text === "-f" || text.startsWith("--file")) return "sed runs a script file that can run commands";
    if (text === "-e" || text === "--expression") {
      scripts.push(args[i + 1]?.text ?? "");
      named = true;
      i++;
    } else if (text.startsWith("--expression=")) {
      scripts.push(text.slice(13));
      named = true;
    } else if (!text.startsWith("-") && !named) {
      scripts.push(text);
      named = true;
    }
  }
  // GNU sed's `e` command and the `e` flag of `s` run the pattern space as a shell command.
  for (const script of scripts) {
    if (/(^|[;\n{}]\s*|\d\s*|\/\s*)e(\s|$|;)/.test(script) || /(^|[;\n{}]\s*)s(.)(?:(?!\2).)*\2(?:(?!\2).)*\2[gpiImMw0-9]*e/.test(script)) {
      return "sed script runs commands (the e command or flag)";
    }
  }
  return undefined;
}
