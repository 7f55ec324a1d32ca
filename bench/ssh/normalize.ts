import { loadShellParser, normalizeShell } from "../../engine/actions/shell/index.js";
import { quantile, round } from "../support/stats.js";

export interface NormalizeFigures {
  commands: number;
  passes: number;
  mean_chars: number;
  max_chars: number;
  parse_errors: number;
  dynamic: number;
  /** Over every timed call: includes the moments this process was not on a CPU (a shared machine). */
  p50_us: number;
  p99_us: number;
  max_us: number;
  /** Over each command's median of its passes: what the command costs, with preemption filtered out. */
  median_per_command_p50_us: number;
  median_per_command_p99_us: number;
  slowest: Array<{ text: string; median_us: number }>;
  per_s: number;
}

/**
 * µs for `normalizeShell` per command over the corpus: one untimed pass (grammar load, JIT), then
 * `passes` timed passes, each call timed on its own.
 */
export async function benchNormalizeShell(corpus: readonly string[], passes: number): Promise<NormalizeFigures> {
  await loadShellParser();
  let parseErrors = 0;
  let dynamic = 0;
  for (const text of corpus) {
    const action = normalizeShell(text);
    if (action.parse_error) parseErrors++;
    if (action.dynamic) dynamic++;
  }
  const samples = new Float64Array(corpus.length * passes);
  const began = process.hrtime.bigint();
  for (let pass = 0; pass < passes; pass++) {
    corpus.forEach((text, i) => {
      const start = process.hrtime.bigint();
      normalizeShell(text);
      samples[i * passes + pass] = Number(process.hrtime.bigint() - start) / 1000;
    });
  }
  const seconds = Number(process.hrtime.bigint() - began) / 1e9;
  const medians = corpus.map((_, i) => quantile(samples.slice(i * passes, (i + 1) * passes).sort(), 0.5));
  const byCost = [...medians.keys()].sort((a, b) => (medians[b] ?? 0) - (medians[a] ?? 0));
  const sortedMedians = Float64Array.from(medians).sort();
  samples.sort();
  const lengths = corpus.map((c) => c.length);
  return {
    commands: corpus.length,
    passes,
    mean_chars: round(lengths.reduce((a, b) => a + b, 0) / corpus.length, 1),
    max_chars: Math.max(...lengths),
    parse_errors: parseErrors,
    dynamic,
    p50_us: round(quantile(samples, 0.5), 1),
    p99_us: round(quantile(samples, 0.99), 1),
    max_us: round(samples[samples.length - 1] ?? Number.NaN, 1),
    median_per_command_p50_us: round(quantile(sortedMedians, 0.5), 1),
    median_per_command_p99_us: round(quantile(sortedMedians, 0.99), 1),
    slowest: byCost.slice(0, 3).map((i) => ({ text: corpus[i] ?? "", median_us: round(medians[i] ?? 0, 1) })),
    per_s: round(samples.length / seconds, 0),
  };
}
