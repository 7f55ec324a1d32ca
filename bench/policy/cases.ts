import { normalizeRequest, type Action, type DecisionRequest, type PolicyInput } from "../../engine/index.js";
import { IDENTITIES, sessionFor, TARGETS } from "./principals.js";
import type { WorkloadStatement } from "./workload.js";

/** One (statement, identity, target) combination: the raw request and its full policy input. */
export interface BenchCase {
  template: string;
  request: DecisionRequest;
  input: PolicyInput;
}

/** Normalizes each statement once, then crosses it with every identity and target. */
export function buildCases(statements: readonly WorkloadStatement[]): BenchCase[] {
  const cases: BenchCase[] = [];
  for (const statement of statements) {
    const action: Action = normalizeRequest({ kind: "sql", text: statement.sql });
    IDENTITIES.forEach((identity, i) => {
      const session = sessionFor(i);
      for (const target of TARGETS) {
        const request: DecisionRequest = { identity, session, target, request: { kind: "sql", text: statement.sql } };
        cases.push({ template: statement.template, request, input: { identity, session, target, action } });
      }
    });
  }
  return cases;
}
