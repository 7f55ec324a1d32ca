import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { messageOf, PortcullisError } from "../errors.js";
import { readTarGz } from "./bundle-archive.js";
import { capabilitiesFile } from "./capabilities.js";
import { runOpa } from "./opa-cli.js";
import { policyRevision } from "./revision.js";

/** The policy's entrypoint for every request: the proxies ask it, and only it, for a decision. */
export const ENTRYPOINT = "portcullis/decision";

/**
 * The policy's answer to "which columns are masked for this caller?", asked once per session. The
 * gateway needs it where a value cannot be traced to its column (views, functions defined in the
 * database, the server's error messages). A policy may leave it out: the bundle still builds, and
 * the gateway then counts every column as masked there (fail closed).
 */
export const MASKED_COLUMNS_ENTRYPOINT = "portcullis/masked_columns";

/**
 * The policy's answer to "how many sessions may this caller hold on this target, and how long may one
 * stay idle?", asked at each login. Optional: without it the gateway's configured limits apply alone.
 */
export const SESSION_LIMITS_ENTRYPOINT = "portcullis/session_limits";

/** Entrypoints a policy may leave out: the bundle is built without those it does not define. */
const OPTIONAL_ENTRYPOINTS = [MASKED_COLUMNS_ENTRYPOINT, SESSION_LIMITS_ENTRYPOINT];

/** A policy built for the WASM SDK: the module, its data, and the revision the manifest records. */
export interface PolicyBundle {
  wasm: Buffer;
  data: Record<string, unknown>;
  revision: string;
  /** Whether the policy defines MASKED_COLUMNS_ENTRYPOINT. */
  hasMaskedColumns: boolean;
  /** Whether the policy defines SESSION_LIMITS_ENTRYPOINT. */
  hasSessionLimits: boolean;
  /** Where it was built from, for status pages and errors. */
  source: string;
  builtAt: string;
}

export interface BuildOptions {
  revision?: string;
}

/**
 * `opa build -t wasm` over a policy directory, then the bundle read back from memory. Fails with
 * POLICY_BUILD_FAILED carrying OPA's own message (file, line, what is wrong).
 */
export async function buildBundle(dir: string, options: BuildOptions = {}): Promise<PolicyBundle> {
  const revision = options.revision ?? (await policyRevision(dir));
  const work = await mkdtemp(join(tmpdir(), "portcullis-build-"));
  try {
    const output = join(work, "bundle.tar.gz");
    const build = (entrypoints: string[]) =>
      runOpa(["build", "-t", "wasm", ...entrypoints.flatMap((e) => ["-e", e]), "--capabilities", capabilitiesFile(), "--revision", revision, "-o", output, dir]);
    // OPA refuses an entrypoint that names no rule: an optional one the policy leaves out is dropped.
    let optional = [...OPTIONAL_ENTRYPOINTS];
    let result = await build([ENTRYPOINT, ...optional]);
    for (;;) {
      const output = result.stderr + result.stdout;
      const missing = result.code === 0 ? undefined : optional.find((e) => output.includes(`entrypoint "${e}" does not refer to a rule`));
      if (!missing) break;
      optional = optional.filter((e) => e !== missing);
      result = await build([ENTRYPOINT, ...optional]);
    }
    if (result.code !== 0) {
      throw new PortcullisError("POLICY_BUILD_FAILED", `policy build failed for ${dir}`, (result.stderr || result.stdout).trim());
    }
    return await readBundle(await readFile(output), dir);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** Reads an OPA WASM bundle (`bundle.tar.gz` from `opa build -t wasm`). */
export async function readBundle(archive: Buffer, source: string): Promise<PolicyBundle> {
  let files: Map<string, Buffer>;
  try {
    files = await readTarGz(archive);
  } catch (error) {
    throw new PortcullisError("BUNDLE_INVALID", `not a readable bundle: ${messageOf(error)}`);
  }
  const manifestBytes = files.get(".manifest");
  const manifest = manifestBytes ? (JSON.parse(manifestBytes.toString("utf8")) as { revision?: string; wasm?: Array<{ entrypoint: string; module: string }> }) : {};
  const module = manifest.wasm?.find((w) => w.entrypoint === ENTRYPOINT)?.module?.replace(/^\/+/, "") ?? "policy.wasm";
  const wasm = files.get(module);
  if (!wasm) throw new PortcullisError("BUNDLE_INVALID", `bundle has no WASM module for ${ENTRYPOINT}`);
  const dataBytes = files.get("data.json");
  const data = dataBytes ? (JSON.parse(dataBytes.toString("utf8")) as Record<string, unknown>) : {};
  const has = (entrypoint: string): boolean => manifest.wasm?.some((w) => w.entrypoint === entrypoint) ?? false;
  return { wasm, data, revision: manifest.revision ?? "unknown", hasMaskedColumns: has(MASKED_COLUMNS_ENTRYPOINT), hasSessionLimits: has(SESSION_LIMITS_ENTRYPOINT), source, builtAt: new Date().toISOString() };
}
