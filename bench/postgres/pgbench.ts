import { run } from "../../test/support/run.js";

export type QueryMode = "simple" | "prepared";

/** What pgbench runs: its built-in select-only script (`-S`), or a script file (`-f`). */
export type Workload = { kind: "select-only" } | { kind: "file"; path: string };

export interface PgbenchRun {
  pgbench: string;
  port: number;
  user: string;
  database: string;
  password: string;
  mode: QueryMode;
  clients: number;
  seconds: number;
  workload: Workload;
}

export interface PgbenchResult {
  ok: boolean;
  tps: number;
  transactions: number;
  failed: number;
  latency_ms: number;
  /** The command line, without the password (which travels in PGPASSWORD). */
  command: string;
  /** The tail of pgbench's output when it failed. */
  error?: string;
}

/** `-j`: pgbench's threads, no more than the two the clients are spread over. */
export function threadsFor(clients: number): number {
  return Math.min(clients, 2);
}

/** Runs pgbench once against 127.0.0.1:`port` and reads its figures. */
export async function runPgbench(options: PgbenchRun): Promise<PgbenchResult> {
  const script = options.workload.kind === "select-only" ? ["-S"] : ["-f", options.workload.path];
  const args = [
    ...script, "-n",
    "-T", String(options.seconds),
    "-c", String(options.clients),
    "-j", String(threadsFor(options.clients)),
    "-M", options.mode,
    "-h", "127.0.0.1", "-p", String(options.port), "-U", options.user, options.database,
  ];
  const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", PGPASSWORD: options.password, PGSSLMODE: "disable", PGCONNECT_TIMEOUT: "10" };
  const result = await run(options.pgbench, args, env, undefined, (options.seconds + 60) * 1000);
  const out = `${result.stdout}\n${result.stderr}`;
  const number = (pattern: RegExp): number => Number(pattern.exec(out)?.[1] ?? Number.NaN);
  const tps = number(/tps = ([\d.]+) \(without initial connection time\)/);
  const transactions = number(/number of transactions actually processed: (\d+)/);
  const failed = number(/number of failed transactions: (\d+)/);
  const latency = number(/latency average = ([\d.]+) ms/);
  const ok = result.code === 0 && Number.isFinite(tps) && transactions > 0 && !(failed > 0);
  const figures = { tps, transactions, failed: Number.isFinite(failed) ? failed : 0, latency_ms: latency, command: ["pgbench", ...args].join(" ") };
  if (ok) return { ok, ...figures };
  return { ok, ...figures, error: out.trim().split("\n").slice(-6).join("\n") };
}
