import { parentPort } from "node:worker_threads";
import { performance } from "node:perf_hooks";
import { loadNormalizers, normalizeRequest } from "./actions/index.js";
import { CatalogIndex, type SqlCatalog } from "./actions/sql/catalog.js";
import { evaluateAction, type DecisionEnvelope } from "./decide.js";
import type { RawRequest } from "./actions/types.js";
import type { PolicyBundle } from "./policy/bundle.js";
import { PolicyEvaluator } from "./policy/evaluator.js";
import { messageOf } from "./errors.js";

/**
 * A worker thread that decides large requests: it parses and analyses the text and evaluates the
 * policy, exactly as the event loop would. Parsing a megabyte of SQL takes up to a second and
 * evaluating its thousand statements a tenth of one; done here, neither holds up another session.
 */

/**
 * One request as it crosses to the worker: the catalog as plain data, the policy only when it changed.
 * Without a `revision` the request is only normalized (its action document is the answer).
 */
export interface DecideJob {
  id: number;
  request: Partial<DecisionEnvelope> & { request: RawRequest };
  catalog?: { catalog: SqlCatalog; searchPathCertain: boolean };
  serverMajor?: number;
  revision?: string;
  policy?: PolicyBundle;
}

const port = parentPort;
if (!port) throw new Error("decide-worker runs as a worker thread");
await loadNormalizers();
let evaluator: PolicyEvaluator | undefined;

// One job at a time, in arrival order: a job carrying a new policy loads it (asynchronously) before
// the jobs sent after it, which count on it, are decided.
let queue: Promise<void> = Promise.resolve();
port.on("message", (job: DecideJob) => {
  queue = queue.then(() =>
    handle(job).then(
      (answer) => port.postMessage({ id: job.id, ...answer }),
      (error: unknown) => port.postMessage({ id: job.id, error: messageOf(error) }),
    ),
  );
});
port.postMessage({ ready: true });

async function handle(job: DecideJob): Promise<{ verdict?: unknown; action?: unknown }> {
  if (job.policy) evaluator = await PolicyEvaluator.load(job.policy);
  const t0 = performance.now();
  const catalog = job.catalog ? new CatalogIndex(job.catalog.catalog, job.catalog.searchPathCertain) : undefined;
  const action = normalizeRequest(job.request.request, { ...(catalog ? { catalog } : {}), ...(job.serverMajor !== undefined ? { serverMajor: job.serverMajor } : {}) });
  if (job.revision === undefined) return { action };
  if (!evaluator || evaluator.revision !== job.revision) throw new Error(`policy ${job.revision} is not loaded on the analysis thread`);
  const { identity, session, target, approval } = job.request;
  if (!identity || !session || !target) throw new Error("a decision needs an identity, a session and a target");
  return { verdict: evaluateAction(evaluator, { identity, session, target, ...(approval ? { approval } : {}) }, action, Math.round((performance.now() - t0) * 1000)) };
}
