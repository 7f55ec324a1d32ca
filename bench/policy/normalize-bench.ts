import { normalizeRequest } from "../../engine/index.js";
import { measureSync } from "./measure.js";
import { round, type Summary } from "../support/stats.js";
import type { WorkloadStatement } from "./workload.js";

export interface SoakResult {
  normalizations: number;
  rss_before_mib: number;
  rss_after_mib: number;
  rss_peak_mib: number;
  heap_used_after_mib: number;
  seconds: number;
  per_s: number;
}

const MIB = 1024 * 1024;

/** µs to turn one statement into its action document, over the whole workload. */
export function benchNormalize(statements: readonly WorkloadStatement[], passes: number): Summary {
  return measureSync(statements.length, passes, (i) => {
    const s = statements[i];
    if (s) normalizeRequest({ kind: "sql", text: s.sql });
  });
}

/**
 * `total` normalizations cycling through the workload, watching RSS for leaks in the parser's WASM
 * memory or the analyser; `progress` is called every `every` normalizations.
 */
export function soakNormalize(statements: readonly WorkloadStatement[], total: number, every: number, progress: (done: number, seconds: number, rssMib: number) => void): SoakResult {
  const rssBefore = process.memoryUsage.rss();
  let peak = rssBefore;
  const start = process.hrtime.bigint();
  const seconds = (): number => Number(process.hrtime.bigint() - start) / 1e9;
  for (let done = 1; done <= total; done++) {
    const s = statements[done % statements.length];
    if (s) normalizeRequest({ kind: "sql", text: s.sql });
    if (done % every === 0) {
      const rss = process.memoryUsage.rss();
      peak = Math.max(peak, rss);
      progress(done, seconds(), rss / MIB);
    }
  }
  const elapsed = seconds();
  const rssAfter = process.memoryUsage.rss();
  return {
    normalizations: total,
    rss_before_mib: round(rssBefore / MIB, 1),
    rss_after_mib: round(rssAfter / MIB, 1),
    rss_peak_mib: round(Math.max(peak, rssAfter) / MIB, 1),
    heap_used_after_mib: round(process.memoryUsage().heapUsed / MIB, 1),
    seconds: round(elapsed, 2),
    per_s: round(total / elapsed, 0),
  };
}
