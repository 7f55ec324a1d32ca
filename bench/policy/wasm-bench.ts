import { loadPolicy } from "@open-policy-agent/opa-wasm";
import { decide, type Decision, type PolicyEvaluator } from "../../engine/index.js";
import type { BenchCase } from "./cases.js";
import { measureSync } from "./measure.js";
import type { Summary } from "../support/stats.js";

export interface WasmResult {
  summary: Summary;
  /** The decision for each case, in case order (for comparison with OPA). */
  decisions: Decision[];
}

/** The gateway's evaluation: `PolicyEvaluator.evaluate` (input and decision validated, fail closed). */
export function benchEvaluate(evaluator: PolicyEvaluator, cases: readonly BenchCase[], passes: number): WasmResult {
  const decisions: Decision[] = new Array<Decision>(cases.length);
  const summary = measureSync(cases.length, passes, (i) => {
    const c = cases[i];
    if (c) decisions[i] = evaluator.evaluate(c.input);
  });
  return { summary, decisions };
}

/** The whole engine call the proxies make: `decide()` = normalize the SQL + evaluate. */
export function benchDecide(evaluator: PolicyEvaluator, cases: readonly BenchCase[], passes: number): Summary {
  return measureSync(cases.length, passes, (i) => {
    const c = cases[i];
    if (c) decide(evaluator, c.request);
  });
}

/** The bare SDK call without the engine's schema checks: what the ajv validation costs, by difference. */
export async function benchRawSdk(evaluator: PolicyEvaluator, cases: readonly BenchCase[], passes: number): Promise<Summary> {
  const policy = await loadPolicy(evaluator.bundle.wasm);
  policy.setData(evaluator.bundle.data);
  return measureSync(cases.length, passes, (i) => {
    const c = cases[i];
    if (c) policy.evaluate(c.input);
  });
}
