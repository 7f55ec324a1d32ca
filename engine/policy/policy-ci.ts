import { performance } from "node:perf_hooks";
import { messageOf, PortcullisError } from "../errors.js";
import { loadNormalizers } from "../actions/index.js";
import { buildBundle } from "./bundle.js";
import { capabilitiesFile } from "./capabilities.js";
import { PolicyEvaluator } from "./evaluator.js";
import { runOpa } from "./opa-cli.js";

/** One check of the policy pipeline; `cases` are the individual tests when the step has them. */
export interface StepResult {
  name: "fmt" | "check" | "test" | "coverage" | "build" | "conformance";
  ok: boolean;
  summary: string;
  details: string[];
  duration_ms: number;
  cases?: Array<{ classname: string; name: string; ok: boolean; message?: string; duration_ms: number }>;
}

export interface PolicyCiOptions {
  dir: string;
  /** Minimum `opa test --coverage` percentage. */
  coverageThreshold: number;
  /** Runs the conformance cases against the built WASM; return the step result (kept out of engine/ deps). */
  conformance?: (evaluator: PolicyEvaluator) => Promise<Omit<StepResult, "name" | "duration_ms">>;
}

interface OpaTestResult {
  location?: { file: string; row: number };
  package: string;
  name: string;
  fail?: boolean;
  error?: { message?: string } | unknown;
  skip?: boolean;
  duration?: number;
}

/**
 * What a policy repository's CI runs, in order: `opa fmt`, `opa check --strict` (against the builtins the
 * WASM SDK can run), `opa test` with a coverage threshold, the WASM build, then conformance cases
 * against that very WASM. Every step runs even after a failure, so one run reports everything.
 */
export async function runPolicyCi(options: PolicyCiOptions): Promise<StepResult[]> {
  const steps: StepResult[] = [];
  const timed = async (name: StepResult["name"], fn: () => Promise<Omit<StepResult, "name" | "duration_ms">>): Promise<void> => {
    const t0 = performance.now();
    let result: Omit<StepResult, "name" | "duration_ms">;
    try {
      result = await fn();
    } catch (error) {
      const detail = error instanceof PortcullisError && error.detail ? error.detail.split("\n") : [];
      result = { ok: false, summary: messageOf(error), details: detail };
    }
    steps.push({ name, ...result, duration_ms: Math.round(performance.now() - t0) });
  };
  const { dir } = options;

  await timed("fmt", async () => {
    const run = await runOpa(["fmt", "--list", "--fail", dir]);
    const files = run.stdout.split("\n").filter((l) => l.trim() !== "");
    if (run.code === 0) return { ok: true, summary: "every file is formatted", details: [] };
    if (files.length === 0) return { ok: false, summary: "opa fmt failed", details: lines(run.stderr) };
    return { ok: false, summary: `${files.length} file(s) need \`opa fmt -w\``, details: files };
  });

  await timed("check", async () => {
    const run = await runOpa(["check", "--strict", "--capabilities", capabilitiesFile(), dir]);
    return run.code === 0 ? { ok: true, summary: "no errors (strict, WASM builtins)", details: [] } : { ok: false, summary: "opa check --strict found errors", details: lines(run.stderr || run.stdout) };
  });

  await timed("test", async () => {
    const run = await runOpa(["test", "--format", "json", dir]);
    let results: OpaTestResult[];
    try {
      results = JSON.parse(run.stdout) as OpaTestResult[];
    } catch {
      return { ok: false, summary: "opa test did not run", details: lines(run.stderr || run.stdout) };
    }
    const failed = results.filter((r) => r.fail || r.error);
    const cases = results.map((r) => {
      const entry: NonNullable<StepResult["cases"]>[number] = {
        classname: r.package.replace(/^data\./, ""),
        name: r.name,
        ok: !(r.fail || r.error),
        duration_ms: (r.duration ?? 0) / 1e6,
      };
      if (!entry.ok) entry.message = r.error ? `error: ${messageOf((r.error as { message?: string }).message ?? r.error)}` : `failed at ${r.location?.file}:${r.location?.row}`;
      return entry;
    });
    if (results.length === 0) return { ok: false, summary: "no tests found (test_ rules in *_test.rego)", details: [], cases };
    return {
      ok: failed.length === 0 && run.code === 0,
      summary: `${results.length - failed.length}/${results.length} tests passed`,
      details: failed.map((r) => `FAIL ${r.package}.${r.name} (${r.location?.file}:${r.location?.row})`),
      cases,
    };
  });

  await timed("coverage", async () => {
    const run = await runOpa(["test", "--coverage", "--format", "json", dir]);
    let report: { coverage?: number; files?: Record<string, { coverage?: number }> };
    try {
      report = JSON.parse(run.stdout) as typeof report;
    } catch {
      return { ok: false, summary: "opa test --coverage did not run", details: lines(run.stderr) };
    }
    const coverage = report.coverage ?? 0;
    const low = Object.entries(report.files ?? {})
      .filter(([file, f]) => !file.endsWith("_test.rego") && (f.coverage ?? 0) < options.coverageThreshold)
      .map(([file, f]) => `${file}: ${(f.coverage ?? 0).toFixed(1)}%`);
    const ok = coverage >= options.coverageThreshold;
    return { ok, summary: `${coverage.toFixed(1)}% covered (threshold ${options.coverageThreshold}%)`, details: ok ? [] : low };
  });

  let evaluator: PolicyEvaluator | undefined;
  await timed("build", async () => {
    const bundle = await buildBundle(dir);
    evaluator = await PolicyEvaluator.load(bundle);
    // What the gateway's decision cache may do with this policy: a policy that reads a statement's text
    // is asked again for every literal, which costs simple-protocol clients an evaluation per statement.
    const text = bundle.readsStatementText;
    const reuse = text.reads
      ? `decisions are not reused across literals: the policy may read a statement's text (${text.where})`
      : "decisions are reused across statements that differ only in their literals (the policy never reads a statement's text)";
    return { ok: true, summary: `built WASM (${(bundle.wasm.length / 1024).toFixed(0)} KiB), revision ${bundle.revision}`, details: [reuse] };
  });

  if (options.conformance) {
    const conformance = options.conformance;
    await timed("conformance", async () => {
      if (!evaluator) return { ok: false, summary: "skipped: the policy did not build", details: [] };
      await loadNormalizers();
      return conformance(evaluator);
    });
  }
  return steps;
}

function lines(text: string): string[] {
  return text.split("\n").filter((l) => l.trim() !== "");
}
