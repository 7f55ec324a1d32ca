import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { messageOf, PortcullisError } from "../errors.js";
import { readTarGz } from "./bundle-archive.js";
import { capabilitiesFile } from "./capabilities.js";
import { runOpa } from "./opa-cli.js";
import { planReads, type InputPlace, type PlanReads, type PolicyPlan } from "./plan-reads.js";
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
  /**
   * Whether the decision may depend on a SQL statement's text (`input.action.statements[*].text`), as
   * the policy's plan shows (plan-reads.ts). When it cannot, decisions are reused across statements
   * that differ only in their text (their literals). Unknown (a bundle read without its plan) is true.
   */
  readsStatementText: PlanReads;
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
    // Planned beside the WASM build; it never throws.
    const textReads = statementTextReads(dir, work);
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
      await textReads;
      throw new PortcullisError("POLICY_BUILD_FAILED", `policy build failed for ${dir}`, (result.stderr || result.stdout).trim());
    }
    const bundle = await readBundle(await readFile(output), dir);
    return { ...bundle, readsStatementText: await textReads };
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
  return {
    wasm,
    data,
    revision: manifest.revision ?? "unknown",
    hasMaskedColumns: has(MASKED_COLUMNS_ENTRYPOINT),
    hasSessionLimits: has(SESSION_LIMITS_ENTRYPOINT),
    readsStatementText: { reads: true, where: "the bundle was read without its plan" },
    source,
    builtAt: new Date().toISOString(),
  };
}

/** Where a SQL statement's text sits in the policy input. */
export const STATEMENT_TEXT: InputPlace = ["action", "statements", "*", "text"];

/**
 * Whether the decision entrypoint may read the statements' text: `opa build -t plan` over the same
 * sources (the plan is the IR OPA compiles the WASM module from), then plan-reads.ts. Any failure
 * answers "reads", which only turns the reuse off.
 */
async function statementTextReads(dir: string, work: string): Promise<PlanReads> {
  const output = join(work, "plan.tar.gz");
  try {
    const result = await runOpa(["build", "-t", "plan", "-e", ENTRYPOINT, "--capabilities", capabilitiesFile(), "-o", output, dir]);
    if (result.code !== 0) return { reads: true, where: `opa build -t plan failed: ${(result.stderr || result.stdout).trim().slice(0, 200)}` };
    const plan = (await readTarGz(await readFile(output))).get("plan.json");
    if (!plan) return { reads: true, where: "the plan bundle has no plan.json" };
    return planReads(JSON.parse(plan.toString("utf8")) as PolicyPlan, ENTRYPOINT, [STATEMENT_TEXT]);
  } catch (error) {
    return { reads: true, where: `the plan could not be analysed: ${messageOf(error)}` };
  }
}
