import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** The files that make up a policy: what `opa build` loads (Rego and data). */
export function policyFiles(dir: string): string[] {
  const found: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      if (name.startsWith(".")) continue;
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (/\.(rego|json|ya?ml)$/.test(name)) found.push(path);
    }
  };
  walk(dir);
  return found;
}

/** sha256 over every policy file's path and bytes: equal content, equal revision. */
export function contentRevision(dir: string): string {
  const hash = createHash("sha256");
  for (const file of policyFiles(dir)) {
    hash.update(relative(dir, file)).update("\0").update(readFileSync(file)).update("\0");
  }
  return `sha256:${hash.digest("hex").slice(0, 16)}`;
}

/**
 * The policy revision: the git commit of the policy directory when it is committed and clean, else a
 * content hash (a commit id would lie about uncommitted edits).
 */
export async function policyRevision(dir: string): Promise<string> {
  try {
    const status = await run("git", ["-C", dir, "status", "--porcelain", "--", "."]);
    if (status.stdout.trim() === "") {
      const commit = await run("git", ["-C", dir, "log", "-1", "--format=%H", "--", "."]);
      const id = commit.stdout.trim();
      if (/^[0-9a-f]{40}$/.test(id)) return `git:${id}`;
    }
  } catch {
    // Not a git checkout (or no git): fall through to the content hash.
  }
  return contentRevision(dir);
}
