import { loadNormalizers } from "./actions/index.js";
import { decide, type DecisionRequest, type Verdict } from "./decide.js";
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

  close(): Promise<void> {
    return this.policy.close();
  }
}
