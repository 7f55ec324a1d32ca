import { spawn } from "node:child_process";
import { opaPath } from "../../engine/policy/opa-cli.js";
import type { BenchCase } from "./cases.js";
import { summarize, usSince, type Summary } from "../support/stats.js";

export interface EvalRun {
  summary: Summary;
  /** The decision `opa eval` printed for each sampled case. */
  results: unknown[];
  /** Index into the cases of each sample. */
  indices: number[];
}

/** One `opa eval` process for one input on stdin: what a gateway that shells out per request would pay. */
function evalOnce(policyDir: string, input: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const child = spawn(opaPath(), ["eval", "--format", "json", "-d", policyDir, "-I", "data.portcullis.decision"], { stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) {
        reject(new Error(`opa eval exited ${code}: ${(stderr || stdout).trim().slice(0, 500)}`));
        return;
      }
      const parsed = JSON.parse(stdout) as { result?: Array<{ expressions?: Array<{ value?: unknown }> }> };
      resolve(parsed.result?.[0]?.expressions?.[0]?.value);
    });
    child.stdin.end(input);
  });
}

/** `samples` inputs spread evenly over the cases, evaluated one process at a time after one warm-up. */
export async function runOpaEval(policyDir: string, cases: readonly BenchCase[], samples: number): Promise<EvalRun> {
  const stride = Math.max(1, Math.floor(cases.length / samples));
  const indices = Array.from({ length: Math.min(samples, cases.length) }, (_, k) => k * stride);
  const body = (i: number): string => JSON.stringify(cases[i]?.input);
  await evalOnce(policyDir, body(0));
  const latencies = new Float64Array(indices.length);
  const results: unknown[] = [];
  const start = process.hrtime.bigint();
  for (const [k, i] of indices.entries()) {
    const t = process.hrtime.bigint();
    results.push(await evalOnce(policyDir, body(i)));
    latencies[k] = usSince(t);
  }
  return { summary: summarize(latencies, usSince(start) / 1e6), results, indices };
}
