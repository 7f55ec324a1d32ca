import { cpSync, mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { buildBundle, type PolicyBundle } from "../../engine/index.js";
import { defaultPolicyDir } from "../../engine/paths.js";

/** A throwaway policy directory with the given files (path → content), removed by `remove()`. */
export function policyDir(files: Record<string, string>): { dir: string; write(path: string, content: string): void; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), "portcullis-test-policy-"));
  const write = (path: string, content: string): void => {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  };
  for (const [path, content] of Object.entries(files)) write(path, content);
  return { dir, write, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Builds a policy from the given files in a throwaway directory, removed once built. */
export async function bundleOfFiles(files: Record<string, string>, revision: string): Promise<PolicyBundle> {
  const p = policyDir(files);
  try {
    return await buildBundle(p.dir, { revision });
  } finally {
    p.remove();
  }
}

/** A copy of the default policy with some of its `settings` (top-level keys of data.json) replaced. */
export function defaultPolicyWithSettings(settings: Record<string, unknown>): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), "portcullis-test-policy-"));
  cpSync(defaultPolicyDir, dir, { recursive: true });
  const data = JSON.parse(readFileSync(join(dir, "data.json"), "utf8")) as { settings: Record<string, unknown> };
  Object.assign(data.settings, settings);
  writeFileSync(join(dir, "data.json"), JSON.stringify(data));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A minimal valid policy: allows SELECTs, denies everything else with a reason naming the command. */
export const SELECT_ONLY = `package portcullis

default decision := {"allow": false, "reasons": ["no statement"]}

decision := {"allow": count(denied) == 0, "reasons": sort([r | some r in denied])} if count(input.action.statements) > 0

denied contains sprintf("%s is not allowed", [s.command]) if {
	some s in input.action.statements
	s.command != "SELECT"
}
`;
