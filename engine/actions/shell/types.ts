/**
 * The `shell` action document: which programs a command text would run, not how it was spelled.
 * These types mirror `schemas/action.shell.json`; the schema is the contract policies are written against.
 */

/** A variable assignment in front of a command (`FOO=1 cmd`), or one a declaration builtin makes. */
export interface ShellAssignment {
  name: string;
  /** The value after quote removal; the source text when `dynamic` is true. */
  value: string;
  /** True when the value holds an expansion whose result the text alone does not tell. */
  dynamic: boolean;
}

/** The redirection operators bash knows, as written (`>|` and `&>` included). */
export type RedirectOp = ">" | ">>" | ">|" | "<" | "<>" | "&>" | "&>>" | ">&" | "<&" | ">&-" | "<&-" | "<<" | "<<-" | "<<<";

export interface ShellRedirect {
  /** The file descriptor written before the operator (`2>`), or null for the operator's default. */
  fd: number | null;
  op: RedirectOp;
  /**
   * The file the redirection opens after quote removal, a descriptor number for a duplication (`2>&1` → "1"),
   * null for a here-document, a here-string or a close. The source text when `target_dynamic` is true.
   */
  target: string | null;
  /** True when the target file is opened for writing (created or truncated or appended to). */
  writes: boolean;
  /** True when the target holds an expansion, so which file is opened is not known. */
  target_dynamic: boolean;
}

/**
 * How a command was reached, outermost first. `wrapper` is a program or builtin that runs another
 * (`sudo`, `env`, `xargs`, `find -exec`, `exec`, `command`, …); `shell` is a shell or remote login given
 * code as a string or a here-document (`sh -c`, `su -c`, `ssh HOST CMD`, `bash <<EOF`), whose text was parsed
 * again. The others are the syntax around the command: it may run conditionally (`and`, `or`, `if`, `case`),
 * repeatedly (`loop`), in the background, in a subshell, a pipeline, a substitution or a function body.
 */
export type ShellVia =
  | { kind: "wrapper"; program: string; user?: string }
  | { kind: "shell"; program: string; from: "-c" | "heredoc" | "here-string" | "remote"; user?: string; host?: string }
  | { kind: "function"; name: string }
  | { kind: "command-substitution" | "process-substitution" | "pipeline" | "subshell" | "background" }
  | { kind: "and" | "or" | "if" | "case" | "loop" };

export interface ShellCommand {
  /** The basename of the program after quote and escape removal: `rm` for `/bin/r\m`. */
  program: string;
  /** The name as written when it holds a `/` (`/bin/rm`, `./x`); absent when found through PATH. */
  path?: string;
  /** Every argument the program receives, argv[0] first, after quote removal and brace expansion. */
  argv: string[];
  /**
   * True when some argument is not known from the text (a variable, a substitution, a glob, arguments a
   * wrapper adds at run time such as xargs's input or find's `{}`); those arguments are kept as written.
   */
  argv_dynamic: boolean;
  /** True when bash runs it itself (a builtin or keyword such as `cd`, `echo`, `export`) rather than a program. */
  builtin: boolean;
  assignments: ShellAssignment[];
  /** The command's own redirections followed by those of the compound commands around it. */
  redirects: ShellRedirect[];
  via: ShellVia[];
}

export interface ShellParseError {
  message: string;
  /** 0-based character offset into the text as received. */
  position: number;
}

export interface ShellAction {
  kind: "shell";
  /** The command text exactly as received. */
  text: string;
  /** True for an interactive session (a shell with a pty), decided as a whole. */
  interactive: boolean;
  /** Variables the client asked to set for the command (SSH `env` requests: `SendEnv`, `SetEnv`). */
  env?: Record<string, string>;
  /** Every simple command that could run, flattened, in text order (a wrapper before what it runs). */
  commands: ShellCommand[];
  /** True when what runs cannot be known from the text alone; the reasons say why. */
  dynamic: boolean;
  dynamic_reasons: string[];
  /** Present when the text does not parse; commands is then empty and dynamic is true. */
  parse_error?: ShellParseError;
}
