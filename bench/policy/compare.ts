import type { Decision } from "../../engine/index.js";
import type { BenchCase } from "./cases.js";
import { canonicalJson, policyDecisionKey } from "./canonical.js";

export interface Mismatch {
  index: number;
  sql: string;
  wasm: string;
  opa: string;
}

/** Compares OPA's decision for each case (`indices[k]` ↔ `opaResults[k]`) with the WASM decision. */
export function compareDecisions(cases: readonly BenchCase[], wasm: readonly Decision[], indices: readonly number[], opaResults: readonly unknown[]): Mismatch[] {
  const mismatches: Mismatch[] = [];
  indices.forEach((index, k) => {
    const mine = wasm[index];
    const mineKey = mine ? policyDecisionKey(mine) : "(none)";
    const theirs = opaResults[k] === undefined ? "(undefined)" : canonicalJson(opaResults[k]);
    if (mineKey !== theirs) mismatches.push({ index, sql: cases[index]?.request.request.text ?? "", wasm: mineKey, opa: theirs });
  });
  return mismatches;
}
