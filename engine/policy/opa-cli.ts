import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { PortcullisError } from "../errors.js";
import { packageRoot } from "../paths.js";

export interface OpaRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * The OPA CLI: `$PORTCULLIS_OPA`, else the pinned build `npm run setup` puts in .tools/, else `opa` on PATH.
 */
export function opaPath(): string {
  const fromEnv = process.env.PORTCULLIS_OPA;
  if (fromEnv) return fromEnv;
  const version = readFileSync(join(packageRoot, "scripts/opa-version"), "utf8").trim();
  const pinned = join(packageRoot, ".tools", `opa-${version}`, "opa");
  return existsSync(pinned) ? pinned : "opa";
}

/** Runs `opa ARGS…`; a non-zero exit is a result, not an exception. A missing binary is. */
export function runOpa(args: string[], options: { cwd?: string; timeoutMs?: number } = {}): Promise<OpaRun> {
  const binary = opaPath();
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { cwd: options.cwd, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 120_000);
    child.on("error", (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (error.code === "ENOENT") {
        reject(new PortcullisError("OPA_NOT_FOUND", `the opa CLI was not found at ${binary}: run \`npm run setup\` or set PORTCULLIS_OPA`));
      } else reject(new PortcullisError("OPA_FAILED", `could not run opa: ${error.message}`));
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr: signal ? `${stderr}\nopa killed by ${signal}` : stderr });
    });
  });
}
