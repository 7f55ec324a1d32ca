import { performance } from "node:perf_hooks";
import { decide, type PolicyEvaluator } from "../../engine/index.js";
import { actualOf, compare } from "./compare.js";
import type { CaseResult, ConformanceCase } from "./types.js";

export interface RunSummary {
  revision: string;
  results: CaseResult[];
  passed: number;
  failed: number;
  duration_ms: number;
}

/**
 * Runs cases through the same normalizer and WASM policy the gateway uses (`decide`), so a passing
 * case means the gateway decides exactly so on the wire.
 */
export function runCases(evaluator: PolicyEvaluator, cases: ConformanceCase[], onResult?: (result: CaseResult, index: number) => void): RunSummary {
  const started = performance.now();
  const results: CaseResult[] = [];
  cases.forEach((c, index) => {
    const t0 = performance.now();
    const verdict = decide(evaluator, c.request);
    const actual = actualOf(verdict);
    const differences = compare(c.expect, actual);
    const result: CaseResult = { case: c, passed: differences.length === 0, differences, actual, duration_us: Math.round((performance.now() - t0) * 1000) };
    results.push(result);
    onResult?.(result, index);
  });
  const failed = results.filter((r) => !r.passed).length;
  return { revision: evaluator.revision, results, passed: results.length - failed, failed, duration_ms: Math.round(performance.now() - started) };
}
