import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { PortcullisError } from "../errors.js";

/** A secret as the config file spells it: a literal, an environment variable, or a file. */
export type SecretSource = string | { env: string } | { file: string };

/**
 * Resolves a secret at load time. The error names where the secret should have come from, never its
 * value. A file's trailing newline is dropped (as written by `echo … > file`).
 */
export function resolveSecret(source: SecretSource, baseDir: string, what: string, env: NodeJS.ProcessEnv = process.env): string {
  if (typeof source === "string") return source;
  if ("env" in source) {
    const value = env[source.env];
    if (value === undefined || value === "") throw new PortcullisError("CONFIG_SECRET", `${what}: environment variable ${source.env} is not set`);
    return value;
  }
  const path = resolve(baseDir, source.file);
  try {
    return readFileSync(path, "utf8").replace(/\r?\n$/, "");
  } catch (error) {
    throw new PortcullisError("CONFIG_SECRET", `${what}: cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}
