import { performance } from "node:perf_hooks";
import { normalizeRequest, type RawRequest, type TargetFacts } from "./actions/index.js";
import { decisionCacheOf, decisionCaching } from "./policy/decision-cache.js";
import type { PolicyEvaluator } from "./policy/evaluator.js";
import { effectOf, type Action, type ApprovalGrant, type Decision, type Effect, type Identity, type PolicyInput, type SessionInfo, type Target } from "./policy/types.js";

/** One request to decide: who, over which session, against which target, asking what. */
export interface DecisionRequest {
  identity: Identity;
  session: SessionInfo;
  target: Target;
  request: RawRequest;
  /** An approval already granted for exactly this request, when one applies. */
  approval?: ApprovalGrant;
  /** What the proxy read from the target (its catalog), for resolving names as the target does. */
  facts?: TargetFacts;
}

/** What the engine answers: the decision, what a proxy must do, and what it was decided on. */
export interface Verdict {
  effect: Effect;
  decision: Decision;
  action: Action;
  input: PolicyInput;
  revision: string;
  timings: { normalize_us: number; evaluate_us: number };
}

/** Normalizes the request and evaluates it with `evaluator`. Synchronous, and never throws. */
export function decide(evaluator: PolicyEvaluator, request: DecisionRequest): Verdict {
  const t0 = performance.now();
  const action = normalizeRequest(request.request, request.facts);
  return evaluateAction(evaluator, request, action, Math.round((performance.now() - t0) * 1000));
}

/** Who asks, where and with which approval: the policy input around an action. */
export type DecisionEnvelope = Pick<DecisionRequest, "identity" | "session" | "target" | "approval">;

/** Evaluates an action document already normalized (on a worker thread, or once more with an approval's grant). */
export function evaluateAction(evaluator: PolicyEvaluator, request: DecisionEnvelope, action: Action, normalizeUs: number): Verdict {
  const t1 = performance.now();
  const input: PolicyInput = { identity: request.identity, session: request.session, target: request.target, action };
  if (request.approval) input.approval = request.approval;
  const cache = request.approval || !decisionCaching.enabled ? null : decisionCacheOf(evaluator);
  const decision = cache ? cache.decide(input, () => evaluator.evaluate(input)) : evaluator.evaluate(input);
  const t2 = performance.now();
  return {
    effect: effectOf(decision),
    decision,
    action,
    input,
    revision: evaluator.revision,
    timings: { normalize_us: normalizeUs, evaluate_us: Math.round((t2 - t1) * 1000) },
  };
}
