import type { Verdict } from "../../engine/index.js";
import type { CaseResult, Expectation } from "./types.js";

/** The parts of a verdict a case can assert on. */
export function actualOf(verdict: Verdict): CaseResult["actual"] {
  const d = verdict.decision;
  const actual: CaseResult["actual"] = {
    effect: verdict.effect,
    reasons: d.reasons,
    mask: d.mask ?? [],
    approvers: d.approval?.approvers ?? [],
  };
  if (d.approval?.mode) actual.mode = d.approval.mode;
  return actual;
}

/** Lists every way `actual` misses `expect`, as lines a person can read in a failure report. */
export function compare(expect: Expectation, actual: CaseResult["actual"]): string[] {
  const differences: string[] = [];
  if (actual.effect !== expect.decision) differences.push(`decision: expected ${expect.decision}, got ${actual.effect}`);
  for (const wanted of expect.reasons ?? []) {
    if (!actual.reasons.some((r) => r.includes(wanted))) differences.push(`reasons: none contains "${wanted}"`);
  }
  if (expect.recorded) {
    const before = [...expect.recorded.reasons].sort();
    const after = [...actual.reasons].sort();
    for (const r of before) if (!after.includes(r)) differences.push(`- reason "${r}"`);
    for (const r of after) if (!before.includes(r)) differences.push(`+ reason "${r}"`);
  }
  if (expect.mask) {
    const key = (m: { column?: string; json_path?: string; strategy: string }): string => `${m.column ?? m.json_path} (${m.strategy})`;
    const wanted = new Set(expect.mask.map(key));
    const got = new Set(actual.mask.map(key));
    for (const m of wanted) if (!got.has(m)) differences.push(`- mask ${m}`);
    for (const m of got) if (!wanted.has(m)) differences.push(`+ mask ${m}`);
  }
  if (expect.approval) {
    for (const approver of expect.approval.approvers ?? []) {
      if (!actual.approvers.includes(approver)) differences.push(`approval: approver ${approver} missing (got ${actual.approvers.join(", ") || "none"})`);
    }
    if (expect.approval.mode && actual.mode !== expect.approval.mode) {
      differences.push(`approval: expected mode ${expect.approval.mode}, got ${actual.mode ?? "none"}`);
    }
  }
  return differences;
}
