import type { Decision } from "../../engine/index.js";

/** JSON with object keys sorted at every level: equal values give equal strings. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "undefined";
}

/** The decision as the policy produced it: without the revision the engine stamps on it. */
export function policyDecisionKey(decision: Decision): string {
  const { policy_revision: _revision, ...rest } = decision;
  return canonicalJson(rest);
}
