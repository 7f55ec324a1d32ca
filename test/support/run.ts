import { spawn } from "node:child_process";

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A client program still running: what it has printed so far, how it ends, and a way to signal it. */
export interface Running {
  done: Promise<RunResult>;
  stdout(): string;
  stderr(): string;
  kill(signal: NodeJS.Signals): void;
}

/** Starts a real client program (psql, pgbench…) with `input` on stdin, in `cwd` if given; killed after `timeoutMs`. */
export function start(command: string, args: string[], env: NodeJS.ProcessEnv, input?: string, timeoutMs = 60_000, cwd?: string): Running {
  const child = spawn(command, args, { env, stdio: ["pipe", "pipe", "pipe"], ...(cwd ? { cwd } : {}) });
  let stdout = "";
  let stderr = "";
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<RunResult>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
  child.stdin.end(input ?? "");
  return { done, stdout: () => stdout, stderr: () => stderr, kill: (signal) => child.kill(signal) };
}

/** Runs a real client program to completion and captures what it printed. */
export function run(command: string, args: string[], env: NodeJS.ProcessEnv, input?: string, timeoutMs = 60_000): Promise<RunResult> {
  return start(command, args, env, input, timeoutMs).done;
}

/** psql with unaligned, tuples-only output, stopping at the first error like a careful script would not: every statement runs. */
export function psql(env: NodeJS.ProcessEnv, sql: string, extra: string[] = []): Promise<RunResult> {
  return run("psql", ["-X", "-A", "-t", "-q", ...extra, "-c", sql], env);
}

/** psql running one statement in the background (one that may wait for an approval), verbose errors. */
export function psqlInBackground(env: NodeJS.ProcessEnv, sql: string): Running {
  return start("psql", ["-X", "-v", "VERBOSITY=verbose", "-c", sql], env);
}
