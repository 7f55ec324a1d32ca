import { userInfo } from "node:os";
import { quantile, round } from "../support/stats.js";
import { runTimed } from "./openssh.js";

/** Latencies (ms) of one path, taken one per round of an interleaved loop. */
export interface PathFigures {
  path: string;
  count: number;
  failed: number;
  per_s: number;
  p50_ms: number;
  p99_ms: number;
  mean_ms: number;
  first_failure?: string;
}

/** Each path's latencies, in rounds: sample i of every path was taken in the same round. */
export class Rounds {
  private readonly times = new Map<string, number[]>();
  private readonly failures = new Map<string, string[]>();

  add(path: string, ms: number, failure?: string): void {
    if (!this.times.has(path)) this.times.set(path, []);
    this.times.get(path)!.push(ms);
    if (failure !== undefined) this.failures.set(path, [...(this.failures.get(path) ?? []), failure]);
  }

  figures(path: string): PathFigures {
    const t = this.times.get(path) ?? [];
    const sorted = Float64Array.from(t).sort();
    const total = t.reduce((a, b) => a + b, 0);
    const failed = this.failures.get(path) ?? [];
    return {
      path,
      count: t.length,
      failed: failed.length,
      per_s: round((t.length * 1000) / Math.max(total, 1e-9), 2),
      p50_ms: round(quantile(sorted, 0.5), 1),
      p99_ms: round(quantile(sorted, 0.99), 1),
      mean_ms: round(total / Math.max(1, t.length), 1),
      ...(failed[0] ? { first_failure: failed[0] } : {}),
    };
  }

  /** The median over rounds of `a − b`: a difference the machine's drifting load mostly cancels out of. */
  pairedDifference(a: string, b: string): number {
    const ta = this.times.get(a) ?? [];
    const tb = this.times.get(b) ?? [];
    const d = Float64Array.from(ta.slice(0, tb.length).map((v, i) => v - (tb[i] ?? 0))).sort();
    return round(quantile(d, 0.5), 1);
  }
}

/**
 * What sshd runs for every exec, without ssh: the login user's shell with `-c true` and SSH_CLIENT set
 * (bash then reads ~/.bashrc, as it does under sshd). Every exec, direct or through the gateway, pays
 * it on the target; where ~/.bashrc does real work it flattens every ratio against direct.
 */
export async function targetShellMs(): Promise<{ ms: number; failure?: string }> {
  const { homedir, shell, username } = userInfo();
  const program = shell ?? "/bin/sh";
  const env = { HOME: homedir, USER: username, LOGNAME: username, SHELL: program, PATH: "/usr/local/bin:/usr/bin:/bin", SSH_CLIENT: "127.0.0.1 50000 22" };
  const r = await runTimed(program, ["-c", "true"], env);
  return { ms: r.seconds * 1000, ...(r.code === 0 ? {} : { failure: `exit ${r.code}` }) };
}
