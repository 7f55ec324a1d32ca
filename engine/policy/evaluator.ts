import { loadPolicy, type LoadedPolicy } from "@open-policy-agent/opa-wasm";
import { messageOf, PortcullisError } from "../errors.js";
import { check, type SchemaName } from "../schemas.js";
import { ENTRYPOINT, MASKED_COLUMNS_ENTRYPOINT, SESSION_LIMITS_ENTRYPOINT, type PolicyBundle } from "./bundle.js";
import type { Decision, Identity, MaskRule, SessionInfo, Target } from "./types.js";

/** Who is asking, without a request: the input of the masked-columns entrypoint. */
export interface CallerInput {
  identity: Identity;
  session: SessionInfo;
  target: Target;
}

/** The columns masked for a caller, or why the policy could not say (then every column counts as masked). */
/** The policy's session limits for a caller on a target; each absent one leaves the configured limit alone. */
export type CallerSessionLimits = { known: true; max_sessions?: number; idle_timeout_seconds?: number; database_role?: string } | { known: false; reason: string };

export type CallerMasks = { known: true; rules: MaskRule[] } | { known: false; reason: string };

/**
 * One loaded policy: a WASM instance with its data. `evaluate` never throws and never returns anything
 * but a valid decision: every failure is a deny carrying the reason (fail closed).
 */
export class PolicyEvaluator {
  readonly revision: string;
  readonly bundle: PolicyBundle;
  private readonly policy: LoadedPolicy;

  private constructor(policy: LoadedPolicy, bundle: PolicyBundle) {
    this.policy = policy;
    this.bundle = bundle;
    this.revision = bundle.revision;
  }

  static async load(bundle: PolicyBundle): Promise<PolicyEvaluator> {
    try {
      const policy = await loadPolicy(bundle.wasm);
      policy.setData(bundle.data);
      return new PolicyEvaluator(policy, bundle);
    } catch (error) {
      throw new PortcullisError("POLICY_LOAD_FAILED", `policy ${bundle.revision} could not be loaded: ${messageOf(error)}`);
    }
  }

  /** Validates the input, evaluates `portcullis/decision`, validates the decision. */
  evaluate(input: unknown): Decision {
    const inputProblem = check("input.json", input);
    if (inputProblem) return this.deny(`invalid policy input: ${inputProblem}`);
    let results: unknown;
    try {
      // By name: with two entrypoints, the default (0) is whichever OPA numbered first.
      results = this.policy.evaluate(input, ENTRYPOINT);
    } catch (error) {
      return this.deny(`policy evaluation failed: ${messageOf(error)}`);
    }
    // The SDK returns [] or [{}] when the entrypoint is undefined (WASM turns builtin errors into undefined).
    const first = Array.isArray(results) ? (results[0] as { result?: unknown } | undefined) : undefined;
    if (!first || !("result" in first) || first.result === undefined) return this.deny("policy returned no decision");
    const decisionProblem = check("decision.json", first.result);
    if (decisionProblem) return this.deny(`policy returned an invalid decision: ${decisionProblem}`);
    const decision = first.result as Decision;
    return { ...decision, policy_revision: this.revision };
  }

  /**
   * Asks `portcullis/masked_columns` which columns are masked for a caller. Never throws: a policy
   * without that rule, an evaluation error or an invalid answer is `known: false` (fail closed).
   */
  maskedColumns(input: CallerInput): CallerMasks {
    if (!this.bundle.hasMaskedColumns) return { known: false, reason: `the policy does not define ${MASKED_COLUMNS_ENTRYPOINT}` };
    const answer = this.askAboutCaller(MASKED_COLUMNS_ENTRYPOINT, "masked-columns.json", input);
    if (answer.kind === "failed") return { known: false, reason: answer.reason };
    if (answer.kind === "undefined") return { known: false, reason: `${MASKED_COLUMNS_ENTRYPOINT} is undefined for this caller` };
    return { known: true, rules: answer.result as MaskRule[] };
  }

  /**
   * Asks `portcullis/session_limits` for the caller's session limits. A policy without the rule (or
   * whose rule is undefined for this caller) sets none; an evaluation error or an invalid answer is
   * `known: false`, and the login is refused (fail closed).
   */
  sessionLimits(input: CallerInput): CallerSessionLimits {
    if (!this.bundle.hasSessionLimits) return { known: true };
    const answer = this.askAboutCaller(SESSION_LIMITS_ENTRYPOINT, "session-limits.json", input);
    if (answer.kind === "failed") return { known: false, reason: answer.reason };
    if (answer.kind === "undefined") return { known: true };
    return { known: true, ...(answer.result as { max_sessions?: number; idle_timeout_seconds?: number; database_role?: string }) };
  }

  /** Evaluates a per-caller entrypoint and validates its answer against `schema`; never throws. */
  private askAboutCaller(entrypoint: string, schema: SchemaName, input: CallerInput): { kind: "answer"; result: unknown } | { kind: "undefined" } | { kind: "failed"; reason: string } {
    let results: unknown;
    try {
      results = this.policy.evaluate(input, entrypoint);
    } catch (error) {
      return { kind: "failed", reason: `${entrypoint} failed: ${messageOf(error)}` };
    }
    const first = Array.isArray(results) ? (results[0] as { result?: unknown } | undefined) : undefined;
    if (!first || first.result === undefined) return { kind: "undefined" };
    const problem = check(schema, first.result);
    if (problem) return { kind: "failed", reason: `${entrypoint} returned an invalid answer: ${problem}` };
    return { kind: "answer", result: first.result };
  }

  private deny(reason: string): Decision {
    return { allow: false, reasons: [reason], policy_revision: this.revision };
  }
}
