import { loadNormalizers, normalizeRequest, requestSize, type Action, type RawRequest, type TargetFacts } from "./actions/index.js";
import { sqlActionCache } from "./actions/sql/index.js";
import { DecidePool, type DecidePoolOptions } from "./decide-pool.js";
import { decide, evaluateAction, type DecisionRequest, type Verdict } from "./decide.js";
import type { CallerInput, CallerMasks, CallerSessionLimits } from "./policy/evaluator.js";
import type { ApprovalGrant } from "./policy/types.js";
import { PolicyService, type PolicyServiceOptions } from "./policy/policy-service.js";

export type EngineOptions = PolicyServiceOptions & { offload?: DecidePoolOptions };

/**
 * The one interface every proxy uses: `decide(request) → verdict`. It knows no wire format; the proxies
 * know no policy. The policy behind it is hot-reloaded by its PolicyService.
 */
export class Engine {
  readonly policy: PolicyService;
  private readonly pool: DecidePool;

  private constructor(policy: PolicyService, pool: DecidePool) {
    this.policy = policy;
    this.pool = pool;
  }

  static async start(options: EngineOptions): Promise<Engine> {
    await loadNormalizers();
    const policy = await PolicyService.start(options);
    // A new policy starts from nothing remembered: its decisions are cached per evaluator
    // (policy/decision-cache.ts), and the action cache is emptied here, in the same turn the new
    // policy starts serving, so no statement after a reload is decided from an entry made before it.
    policy.on("reload", (result: { ok: boolean }) => {
      if (result.ok) sqlActionCache.clear();
    });
    return new Engine(policy, new DecidePool(options.offload));
  }

  /** Decides on the event loop: for requests known to be small (settings, limits, previews of them). */
  decide(request: DecisionRequest): Verdict {
    return decide(this.policy.current, request);
  }

  /** Decides any request; a large one is decided on a worker thread so no other session waits for it. */
  async decideAsync(request: DecisionRequest): Promise<Verdict> {
    if (requestSize(request.request) <= this.pool.inlineMaxChars) return this.decide(request);
    return this.pool.decide(request, this.policy.current);
  }

  /**
   * Asks the policy again about a verdict's action, now with an approval's grant in the input. The
   * request is not normalized again: the grant was given for exactly this request.
   */
  decideWithGrant(verdict: Verdict, grant: ApprovalGrant): Verdict {
    const { identity, session, target } = verdict.input;
    return evaluateAction(this.policy.current, { identity, session, target, approval: grant }, verdict.action, verdict.timings.normalize_us);
  }

  /** The action document of a request, without asking the policy (large ones off the event loop). */
  async normalizeAsync(request: RawRequest, facts: TargetFacts = {}): Promise<Action> {
    if (requestSize(request) <= this.pool.inlineMaxChars) return normalizeRequest(request, facts);
    return this.pool.normalize(request, facts);
  }

  /** The policy revision deciding now. */
  get revision(): string {
    return this.policy.current.revision;
  }

  /** The columns masked for a caller, asked of the current policy, with that policy's revision. */
  maskedColumns(caller: CallerInput): CallerMasks & { revision: string } {
    const evaluator = this.policy.current;
    return { ...evaluator.maskedColumns(caller), revision: evaluator.revision };
  }

  /** The caller's session limits, asked of the current policy at login. */
  sessionLimits(caller: CallerInput): CallerSessionLimits {
    return this.policy.current.sessionLimits(caller);
  }

  async close(): Promise<void> {
    await this.pool.close();
    await this.policy.close();
  }
}
