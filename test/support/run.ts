import { spawn } from "node:child_process";

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a real client program (psql, pgbench…) to completion and captures what it printed. */
export function run(command: string, args: string[], env: NodeJS.ProcessEnv, input?: string, timeoutMs = 60_000): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
    child.stdin.end(input ?? "");
  });
}

/** psql with unaligned, tuples-only output, stopping at the first error like a careful script would not: every statement runs. */
export function psql(env: NodeJS.ProcessEnv, sql: string, extra: string[] = []): Promise<RunResult> {
  return run("psql", ["-X", "-A", "-t", "-q", ...extra, "-c", sql], env);
}
