import { EventEmitter } from "node:events";
import { messageOf, PortcullisError } from "../errors.js";
import { buildBundle } from "./bundle.js";
import { PolicyEvaluator } from "./evaluator.js";
import { runOpa } from "./opa-cli.js";
import { watchPolicyDir, type PolicyWatcher } from "./watcher.js";

export interface PolicyServiceOptions {
  dir: string;
  /** Run the policy's own `opa test` before a new build may replace the serving one. */
  runTests?: boolean;
  /** Rebuild when files under `dir` change. */
  watch?: boolean;
  debounceMs?: number;
}

export interface PolicyStatus {
  dir: string;
  revision: string;
  loadedAt: string;
  lastAttemptAt: string;
  /** The last reload's failure, cleared by the next success. The serving policy is still the last good one. */
  lastError: string | null;
  reloads: number;
}

export type ReloadResult = { ok: true; revision: string } | { ok: false; error: string };

/**
 * Serves the current policy and replaces it atomically. A reload builds, optionally tests, and loads a
 * complete new evaluator before one assignment swaps it in; `evaluate` is synchronous, so no evaluation
 * can see a half-loaded policy. A failed reload leaves the last good policy serving and reports why.
 * Emits `reload` (ReloadResult) after every attempt.
 */
export class PolicyService extends EventEmitter {
  private evaluator: PolicyEvaluator;
  private readonly options: PolicyServiceOptions;
  private statusValue: PolicyStatus;
  private watcher: PolicyWatcher | undefined;
  private running: Promise<ReloadResult> | undefined;
  private again = false;

  private constructor(evaluator: PolicyEvaluator, options: PolicyServiceOptions) {
    super();
    this.evaluator = evaluator;
    this.options = options;
    const now = new Date().toISOString();
    this.statusValue = { dir: options.dir, revision: evaluator.revision, loadedAt: now, lastAttemptAt: now, lastError: null, reloads: 0 };
  }

  /** Builds and loads the policy; fails (with OPA's message) when the first build or test fails. */
  static async start(options: PolicyServiceOptions): Promise<PolicyService> {
    const service = new PolicyService(await prepare(options), options);
    if (options.watch) service.watcher = watchPolicyDir(options.dir, options.debounceMs ?? 150, () => void service.reload());
    if (service.watcher) await service.watcher.ready;
    return service;
  }

  get current(): PolicyEvaluator {
    return this.evaluator;
  }

  status(): PolicyStatus {
    return { ...this.statusValue };
  }

  /** Rebuilds now. Concurrent calls share one run; a call during a run schedules one more after it. */
  reload(): Promise<ReloadResult> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.attempt().finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        void this.reload();
      }
    });
    return this.running;
  }

  private async attempt(): Promise<ReloadResult> {
    const at = new Date().toISOString();
    let result: ReloadResult;
    try {
      const next = await prepare(this.options);
      this.evaluator = next;
      this.statusValue = { ...this.statusValue, revision: next.revision, loadedAt: at, lastAttemptAt: at, lastError: null, reloads: this.statusValue.reloads + 1 };
      result = { ok: true, revision: next.revision };
    } catch (error) {
      const detail = error instanceof PortcullisError && error.detail ? `${error.message}: ${error.detail}` : messageOf(error);
      this.statusValue = { ...this.statusValue, lastAttemptAt: at, lastError: detail };
      result = { ok: false, error: detail };
    }
    this.emit("reload", result);
    return result;
  }

  async close(): Promise<void> {
    await this.watcher?.close();
    await this.running;
  }
}

async function prepare(options: PolicyServiceOptions): Promise<PolicyEvaluator> {
  if (options.runTests) {
    const test = await runOpa(["test", options.dir]);
    if (test.code !== 0) throw new PortcullisError("POLICY_TEST_FAILED", `policy tests failed in ${options.dir}`, (test.stdout + test.stderr).trim());
  }
  return PolicyEvaluator.load(await buildBundle(options.dir));
}
