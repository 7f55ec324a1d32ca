import { spawn } from "node:child_process";
import { join } from "node:path";
import { packageRoot } from "../../engine/paths.js";

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `bin/portcullis ARGS…` as a user would, with no terminal (so no colours or progress bar). */
export function portcullis(args: string[], options: { stdin?: string; env?: Record<string, string>; cwd?: string; unset?: string[] } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1", ...options.env };
    for (const name of options.unset ?? []) delete env[name];
    const child = spawn(process.execPath, [join(packageRoot, "bin/portcullis"), ...args], {
      cwd: options.cwd ?? packageRoot,
      env,
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(options.stdin ?? "");
  });
}
