import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { contentRevision, policyFiles, policyRevision } from "../../engine/policy/revision.js";

/**
 * A private copy of the policy directory, so that the WASM bundle, the OPA server and `opa eval` all see
 * exactly the same Rego and data even while someone edits policies/ during the run.
 */
export interface PolicySnapshot {
  dir: string;
  revision: string;
  remove: () => void;
}

export async function snapshotPolicies(source: string): Promise<PolicySnapshot> {
  const revision = await policyRevision(source);
  const dir = mkdtempSync(join(tmpdir(), "portcullis-bench-policy-"));
  for (const file of policyFiles(source)) {
    const destination = join(dir, relative(source, file));
    mkdirSync(dirname(destination), { recursive: true });
    copyFileSync(file, destination);
  }
  // A content revision taken before the copy may describe files edited since: the copy's own hash wins.
  const copied = contentRevision(dir);
  // Also removed when the process exits early (an error, or a signal while the OPA server runs).
  const remove = (): void => {
    process.off("exit", remove);
    rmSync(dir, { recursive: true, force: true });
  };
  process.on("exit", remove);
  return { dir, revision: revision.startsWith("sha256:") ? copied : revision, remove };
}
