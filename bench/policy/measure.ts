import { summarize, usSince, type Summary } from "../support/stats.js";

/**
 * Runs `op(i)` for i in [0, n) once to warm up (JIT, WASM memory, caches), then `passes` more times,
 * timing every call. Throughput is calls over the wall time of the timed passes.
 */
export function measureSync(n: number, passes: number, op: (i: number) => void): Summary {
  for (let i = 0; i < n; i++) op(i);
  const latencies = new Float64Array(n * passes);
  const start = process.hrtime.bigint();
  let k = 0;
  for (let p = 0; p < passes; p++) {
    for (let i = 0; i < n; i++) {
      const t = process.hrtime.bigint();
      op(i);
      latencies[k++] = usSince(t);
    }
  }
  return summarize(latencies, usSince(start) / 1e6);
}
