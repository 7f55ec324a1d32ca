import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The Portcullis package root (where package.json is), found from this file whether run from dist/ or not. */
export const packageRoot: string = findRoot(dirname(fileURLToPath(import.meta.url)));

function findRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    const manifest = join(dir, "package.json");
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, "utf8")) as { name?: string }).name === "portcullis") return dir;
    if (dirname(dir) === dir) throw new Error(`cannot find the portcullis package root above ${start}`);
  }
}

export const schemasDir: string = join(packageRoot, "schemas");
export const defaultPolicyDir: string = join(packageRoot, "policies");
export const defaultConformanceDir: string = join(packageRoot, "conformance");
