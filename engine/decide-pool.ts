import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { unanalysedAction, type Action, type RawRequest, type TargetFacts } from "./actions/index.js";
import type { DecideJob } from "./decide-worker.js";
import { evaluateAction, type DecisionRequest, type Verdict } from "./decide.js";
import type { PolicyEvaluator } from "./policy/evaluator.js";

/**
 * Decides large requests on worker threads. A message of up to a megabyte of SQL takes the parser
 * hundreds of milliseconds, and the policy a hundred more for a thousand statements; on the event loop
 * that would stall every other session of the gateway. Small requests (nearly all of them) are decided
 * in place, where a round trip to a thread would cost more than the work. A request the workers cannot
 * answer in time, or a worker that dies, is decided as a request that could not be analysed: a denial
 * with that reason, never a guess.
 */

export interface DecidePoolOptions {
  /** Requests with more characters than this go to a worker (default 16 KiB: about 20 ms of work). */
  inlineMaxChars?: number;
  /** Worker threads (default: one fewer than the CPUs, at least one, at most four). */
  workers?: number;
  /** How long one request may take on a worker before it is denied and the worker replaced. */
  timeoutMs?: number;
}

interface Outcome {
  verdict?: Verdict;
  action?: Action;
  error?: string;
}

interface Waiting {
  resolve: (outcome: Outcome) => void;
  timer: NodeJS.Timeout;
}

class DecideThread {
  private worker!: Worker;
  private ready!: Promise<void>;
  /** The policy revision this thread holds; a job for another revision carries the policy. */
  private revision: string | undefined;
  private readonly waiting = new Map<number, Waiting>();
  private readonly timeoutMs: number;
  private closed = false;

  constructor(timeoutMs: number) {
    this.timeoutMs = timeoutMs;
    this.spawn();
  }

  get load(): number {
    return this.waiting.size;
  }

  async run(job: DecideJob, evaluator?: PolicyEvaluator): Promise<Outcome> {
    await this.ready;
    if (evaluator && this.revision !== evaluator.revision) {
      job.policy = evaluator.bundle;
      this.revision = evaluator.revision;
    }
    return new Promise((resolve) => {
      // The analysis may never end: the thread is replaced, and everything it held is denied.
      const timer = setTimeout(() => this.restart(`the analysis took longer than ${this.timeoutMs} ms`), this.timeoutMs);
      this.waiting.set(job.id, { resolve, timer });
      this.worker.postMessage(job);
    });
  }

  close(): Promise<number> {
    this.closed = true;
    this.settleAll("the gateway is shutting down");
    return this.worker.terminate();
  }

  private spawn(): void {
    const worker = new Worker(new URL("./decide-worker.js", import.meta.url));
    worker.unref();
    this.worker = worker;
    this.revision = undefined;
    this.ready = new Promise<void>((ready) => {
      worker.on("message", (message: Outcome & { ready?: true; id?: number }) => {
        if (message.ready) return ready();
        const waiting = this.waiting.get(message.id ?? -1);
        if (!waiting) return;
        this.waiting.delete(message.id!);
        clearTimeout(waiting.timer);
        waiting.resolve(message);
      });
      worker.on("error", (error) => {
        ready();
        if (this.worker === worker && !this.closed) this.restart(`the analysis thread failed: ${error.message}`);
      });
      worker.on("exit", () => {
        ready();
        if (this.worker === worker && !this.closed) this.restart("the analysis thread exited");
      });
    });
  }

  private restart(reason: string): void {
    this.settleAll(reason);
    const old = this.worker;
    this.spawn();
    void old.terminate();
  }

  private settleAll(reason: string): void {
    for (const [id, waiting] of this.waiting) {
      clearTimeout(waiting.timer);
      waiting.resolve({ error: reason });
      this.waiting.delete(id);
    }
  }
}

export class DecidePool {
  private readonly threads: DecideThread[] = [];
  private readonly options: DecidePoolOptions;
  readonly inlineMaxChars: number;
  private nextId = 1;

  constructor(options: DecidePoolOptions = {}) {
    this.options = options;
    this.inlineMaxChars = options.inlineMaxChars ?? 16 * 1024;
  }

  /** Decides `request` with `evaluator` on the least busy worker (threads start on first use). */
  async decide(request: DecisionRequest, evaluator: PolicyEvaluator): Promise<Verdict> {
    const { facts, ...rest } = request;
    const outcome = await this.leastBusy().run(this.job(rest, facts, evaluator.revision), evaluator);
    if (outcome.verdict) return outcome.verdict;
    return evaluateAction(evaluator, request, unanalysedAction(request.request, `the request could not be analysed: ${outcome.error ?? "no answer"}`), 0);
  }

  /** Normalizes `request` on the least busy worker, asking no policy. */
  async normalize(request: RawRequest, facts: TargetFacts | undefined): Promise<Action> {
    const job = this.job({ request }, facts);
    const outcome = await this.leastBusy().run(job);
    return outcome.action ?? unanalysedAction(request, `the request could not be analysed: ${outcome.error ?? "no answer"}`);
  }

  /** A job as it crosses to a worker; without a revision it is only normalized. */
  private job(request: DecideJob["request"], facts: TargetFacts | undefined, revision?: string): DecideJob {
    const job: DecideJob = { id: this.nextId++, request };
    if (revision !== undefined) job.revision = revision;
    if (facts?.catalog) job.catalog = { catalog: facts.catalog.catalog, searchPathCertain: facts.catalog.searchPathCertain };
    if (facts?.serverMajor !== undefined) job.serverMajor = facts.serverMajor;
    return job;
  }

  private leastBusy(): DecideThread {
    if (this.threads.length === 0) {
      const count = this.options.workers ?? Math.min(4, Math.max(1, availableParallelism() - 1));
      for (let i = 0; i < count; i++) this.threads.push(new DecideThread(this.options.timeoutMs ?? 30_000));
    }
    return this.threads.reduce((a, b) => (b.load < a.load ? b : a));
  }

  async close(): Promise<void> {
    const threads = this.threads.splice(0);
    await Promise.all(threads.map((t) => t.close()));
  }
}
