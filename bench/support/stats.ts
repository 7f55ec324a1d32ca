/** Latency and throughput figures for one measurement. */
export interface Summary {
  count: number;
  decisions_per_s: number;
  mean_us: number;
  p50_us: number;
  p99_us: number;
  max_us: number;
}

/** The value at quantile q (nearest rank) of an already sorted array. */
export function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

/** Summarizes per-operation latencies (µs) measured over `wallSeconds` of wall-clock time. */
export function summarize(latenciesUs: Float64Array, wallSeconds: number): Summary {
  const sorted = Float64Array.from(latenciesUs).sort();
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    count: sorted.length,
    decisions_per_s: round(sorted.length / wallSeconds, 0),
    mean_us: round(sum / Math.max(1, sorted.length), 1),
    p50_us: round(quantile(sorted, 0.5), 1),
    p99_us: round(quantile(sorted, 0.99), 1),
    max_us: round(sorted[sorted.length - 1] ?? Number.NaN, 1),
  };
}

export function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** Microseconds elapsed since a `process.hrtime.bigint()` reading. */
export function usSince(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1000;
}
