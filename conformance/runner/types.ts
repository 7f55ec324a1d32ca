import type { DecisionRequest, Effect, MaskRule } from "../../engine/index.js";
import type { JsonMaskRule } from "../../engine/policy/types.js";

/** What a case expects. Recorded traffic expects exactly the decision recorded at the time. */
export interface Expectation {
  decision: Effect;
  /** Each must appear as a substring of one of the decision's reasons. */
  reasons?: string[];
  /** Exact set, order-insensitive (column + strategy). */
  /** Each mask as its column (SQL) or json_path (Kubernetes) and strategy. */
  mask?: Array<{ column?: string; json_path?: string; strategy: MaskRule["strategy"] }>;
  approval?: { approvers?: string[]; mode?: "hold" | "ticket" };
  /** For replayed recordings: the whole recorded decision, compared field by field. */
  recorded?: { reasons: string[] };
}

export interface ConformanceCase {
  /** Where it came from: `file.yaml#3` or `session.jsonl:12`. */
  origin: string;
  name: string;
  request: DecisionRequest;
  expect: Expectation;
}

export interface CaseResult {
  case: ConformanceCase;
  passed: boolean;
  /** Human-readable differences, one per line, empty when passed. */
  differences: string[];
  actual: { effect: Effect; reasons: string[]; mask: Array<MaskRule | JsonMaskRule>; approvers: string[]; mode?: string };
  duration_us: number;
}
