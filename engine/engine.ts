import { loadNormalizers } from "./actions/index.js";
import { decide, type DecisionRequest, type Verdict } from "./decide.js";
import type { CallerInput, CallerMasks } from "./policy/evaluator.js";
import { PolicyService, type PolicyServiceOptions } from "./policy/policy-service.js";

export type EngineOptions = PolicyServiceOptions;

/**
 * The one interface every proxy uses: `decide(request) → verdict`. It knows no wire format; the proxies
 * know no policy. The policy behind it is hot-reloaded by its PolicyService.
 */
export class Engine {
  readonly policy: PolicyService;

  private constructor(policy: PolicyService) {
    this.policy = policy;
  }

  static async start(options: EngineOptions): Promise<Engine> {
    await loadNormalizers();
    return new Engine(await PolicyService.start(options));
  }

  decide(request: DecisionRequest): Verdict {
    return decide(this.policy.current, request);
  }

  /** The columns masked for a caller, asked of the current policy, with that policy's revision. */
  maskedColumns(caller: CallerInput): CallerMasks & { revision: string } {
    const evaluator = this.policy.current;
    return { ...evaluator.maskedColumns(caller), revision: evaluator.revision };
  }

  close(): Promise<void> {
    return this.policy.close();
  }
}
