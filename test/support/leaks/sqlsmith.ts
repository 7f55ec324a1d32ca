import { spawn } from "node:child_process";
import type { RunningPostgres } from "../postgres.js";
import type { GeneratedQuery } from "./positions.js";

/**
 * Random queries from SQLsmith (Debian's `sqlsmith`), which reads the schema of the server it is
 * pointed at and, with `--dry-run`, prints the queries it would run instead of running them. It is
 * pointed at the test's own server as the superuser: only the schema is read, nothing is executed.
 */

export function sqlsmithAvailable(): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn("sqlsmith", ["--version"], { stdio: "ignore" });
    child.on("error", () => resolve(false));
    child.on("close", (code) => resolve(code === 0));
  });
}

/** Splits SQLsmith's output into statements: each one ends with `;` at the end of a line. */
export function splitSqlsmith(output: string): string[] {
  return output
    .split(/;\s*\n/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

export async function sqlsmithQueries(pg: RunningPostgres, seed: number, count: number): Promise<GeneratedQuery[]> {
  const target = `host=${pg.host} port=${pg.port} dbname=${pg.database} user=${pg.superuser} password=${pg.password}`;
  const args = [`--target=${target}`, "--dry-run", "--exclude-catalog", `--seed=${seed}`, `--max-queries=${count}`];
  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn("sqlsmith", args, { stdio: ["ignore", "pipe", "pipe"] });
    const chunks: Buffer[] = [];
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => chunks.push(d));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve(Buffer.concat(chunks).toString("utf8")) : reject(new Error(`sqlsmith exited with ${code}: ${stderr.slice(-500)}`))));
  });
  return splitSqlsmith(output).map((sql) => ({ position: `sqlsmith ${/^\s*(\w+)/.exec(sql)?.[1]?.toLowerCase() ?? "?"}`, sql }));
}
