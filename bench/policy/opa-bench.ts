import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PolicyEvaluator } from "../../engine/index.js";
import { runOpa } from "../../engine/policy/opa-cli.js";
import { round, usSince } from "../support/stats.js";
import type { BenchCase } from "./cases.js";

/** One sampled input: OPA's own Go evaluator (`opa bench`) and the gateway's WASM evaluation of it. */
export interface OpaBenchSample {
  index: number;
  template: string;
  opa_us: number;
  wasm_us: number;
  /** How many times faster the WASM evaluation is (opa / wasm). */
  ratio: number;
}

export interface OpaBenchReport {
  samples: OpaBenchSample[];
  median_ratio: number;
  opa_median_us: number;
  wasm_median_us: number;
}

const WASM_REPEATS = 2000;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The mean time of `evaluator.evaluate(input)` over many repeats (after as many untimed). */
function wasmMeanUs(evaluator: PolicyEvaluator, input: unknown): number {
  for (let i = 0; i < WASM_REPEATS; i++) evaluator.evaluate(input);
  const start = process.hrtime.bigint();
  for (let i = 0; i < WASM_REPEATS; i++) evaluator.evaluate(input);
  return usSince(start) / WASM_REPEATS;
}

/**
 * `opa bench` (OPA's own benchmark of its Go evaluator: the query compiled once, then evaluated as many
 * times as a second allows) on `samples` inputs spread over the cases, against the gateway's
 * `PolicyEvaluator.evaluate` (WASM, input and decision schema-checked) on the same inputs and policy.
 */
export async function runOpaBench(policyDir: string, evaluator: PolicyEvaluator, cases: readonly BenchCase[], samples: number): Promise<OpaBenchReport> {
  const work = mkdtempSync(join(tmpdir(), "portcullis-opa-bench-"));
  try {
    const stride = Math.max(1, Math.floor(cases.length / samples));
    const out: OpaBenchSample[] = [];
    for (let k = 0; k < Math.min(samples, cases.length); k++) {
      const index = k * stride;
      const c = cases[index]!;
      const inputFile = join(work, `input-${index}.json`);
      writeFileSync(inputFile, JSON.stringify(c.input));
      const run = await runOpa(["bench", "--format", "json", "--benchmem=false", "--metrics=false", "--ignore", "*_test.rego", "-d", policyDir, "-i", inputFile, "data.portcullis.decision"], { timeoutMs: 120_000 });
      if (run.code !== 0) throw new Error(`opa bench failed: ${(run.stderr || run.stdout).trim().slice(0, 500)}`);
      const result = JSON.parse(run.stdout) as { N: number; T: number };
      const opaUs = result.T / result.N / 1000;
      const wasmUs = wasmMeanUs(evaluator, c.input);
      out.push({ index, template: c.template, opa_us: round(opaUs, 1), wasm_us: round(wasmUs, 1), ratio: round(opaUs / wasmUs, 2) });
    }
    return {
      samples: out,
      median_ratio: round(median(out.map((s) => s.ratio)), 2),
      opa_median_us: round(median(out.map((s) => s.opa_us)), 1),
      wasm_median_us: round(median(out.map((s) => s.wasm_us)), 1),
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
