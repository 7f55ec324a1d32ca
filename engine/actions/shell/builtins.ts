/**
 * Names bash runs itself rather than looking up a program (bash 5.2's `enable -a` and its keywords that
 * the grammar reads as command names). `sudo echo` still runs /bin/echo: only the shell has builtins.
 */
export const BUILTINS: ReadonlySet<string> = new Set([
  ".", ":", "[", "alias", "bg", "bind", "break", "builtin", "caller", "cd", "command", "compgen", "complete", "compopt",
  "continue", "declare", "dirs", "disown", "echo", "enable", "eval", "exec", "exit", "export", "false", "fc", "fg",
  "getopts", "hash", "help", "history", "jobs", "kill", "let", "local", "logout", "mapfile", "popd", "printf", "pushd",
  "pwd", "read", "readarray", "readonly", "return", "set", "shift", "shopt", "source", "suspend", "test", "times", "trap",
  "true", "type", "typeset", "ulimit", "umask", "unalias", "unset", "wait",
  // Reserved words the grammar hands over as command names.
  "time", "coproc", "[[",
]);

/** Shells that run code given with -c, from a here-document, or from standard input. */
export const SHELLS: ReadonlySet<string> = new Set(["sh", "bash", "dash", "zsh", "ksh", "mksh", "ash", "yash", "posh", "fish", "rbash"]);

/**
 * Variables whose value changes what later text means, so the text alone no longer tells what runs.
 * https://www.gnu.org/software/bash/manual/html_node/Bash-Variables.html
 */
export const DANGEROUS_VARIABLES: ReadonlyMap<string, string> = new Map([
  ["IFS", "IFS is changed: word splitting no longer follows the text"],
  ["PATH", "PATH is changed: which file a program name runs is not known"],
  ["BASH_ENV", "BASH_ENV makes a shell run a file at start"],
  ["ENV", "ENV makes a shell run a file at start"],
  ["SHELLOPTS", "SHELLOPTS changes shell options such as alias expansion"],
  ["BASHOPTS", "BASHOPTS changes shell options such as alias expansion"],
  ["PS4", "PS4 is expanded, and its substitutions run, when tracing"],
  ["PROMPT_COMMAND", "PROMPT_COMMAND runs code before each prompt"],
  ["LD_PRELOAD", "LD_PRELOAD loads code into the program"],
  ["LD_LIBRARY_PATH", "LD_LIBRARY_PATH changes which libraries the program loads"],
  ["LD_AUDIT", "LD_AUDIT loads code into the program"],
  ["GLOBIGNORE", "GLOBIGNORE changes pathname expansion"],
]);

/** The reason a variable assignment makes the text dynamic, or undefined. */
export function dangerousVariable(name: string): string | undefined {
  if (name.startsWith("BASH_FUNC_")) return "BASH_FUNC_ variables define functions";
  return DANGEROUS_VARIABLES.get(name);
}
