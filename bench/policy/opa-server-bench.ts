import type { BenchCase } from "./cases.js";
import { OpaClient } from "./opa-client.js";
import { summarize, usSince, type Summary } from "../support/stats.js";

const DECISION_PATH = "/v1/data/portcullis/decision";

export interface ServerRun {
  summary: Summary;
  /** The `result` OPA returned for each case, in case order. */
  results: unknown[];
}

/** Every input serialized once, as `{"input": …}` request bodies. */
export function requestBodies(cases: readonly BenchCase[]): string[] {
  return cases.map((c) => JSON.stringify({ input: c.input }));
}

/**
 * POSTs every body with `concurrency` requests in flight over as many keep-alive connections
 * (1 = strictly one at a time, like the synchronous WASM loop). Latency is send → parsed answer.
 */
export async function runServerPass(port: number, bodies: readonly string[], concurrency: number): Promise<ServerRun> {
  const client = new OpaClient(port, DECISION_PATH, concurrency);
  const latencies = new Float64Array(bodies.length);
  const results: unknown[] = new Array<unknown>(bodies.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < bodies.length; i = next++) {
      const t = process.hrtime.bigint();
      results[i] = await client.query(bodies[i] ?? "");
      latencies[i] = usSince(t);
    }
  };
  try {
    const start = process.hrtime.bigint();
    await Promise.all(Array.from({ length: concurrency }, worker));
    return { summary: summarize(latencies, usSince(start) / 1e6), results };
  } finally {
    client.close();
  }
}
