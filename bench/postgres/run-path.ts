import { round } from "../support/stats.js";
import { cpuMedian } from "./aims.js";
import { busyFraction, countersSince, hostCpu, processCounters, type ProcessCounters } from "../support/proc-cpu.js";
import { formatNumber, printNote, table } from "../support/table.js";
import { BENCH_DATABASE, BENCH_ROLE, type BenchCluster } from "./cluster.js";
import type { GatewayProcess } from "./gateway-process.js";
import type { BenchPath } from "./paths.js";
import type { PipeProxy } from "./pipe-proxy.js";
import { runPgbench, type QueryMode, type Workload } from "./pgbench.js";
import { POOLED_SESSION, POOLED_TRANSACTION, type RunningPgBouncer } from "./pgbouncer.js";

/** Everything pgbench can connect to in one benchmark run. */
export interface Endpoints {
  cluster: BenchCluster;
  bouncer: RunningPgBouncer;
  /** The gateway recording to a counter. */
  portcullis: GatewayProcess;
  /** The gateway recording to the durable audit log. */
  audited: GatewayProcess;
  /** The gateway whose events are only counted: what the audit log costs, by difference. */
  unaudited: GatewayProcess;
  /** The do-nothing Node.js pipe in front of the server. */
  pipe: PipeProxy;
  scriptPath: string;
}

export interface RunFigures {
  mode: QueryMode;
  clients: number;
  path: string;
  ok: boolean;
  tps: number;
  transactions: number;
  latency_ms: number;
  /** TPS over the TPS of the direct run of the same script, mode and clients. */
  ratio: number;
  /** clients/TPS − clients/TPS_direct, in µs: the latency each statement gained on this path. */
  added_us: number;
  /** CPU (user + system) the proxy process used per transaction; NaN for direct runs. */
  proxy_cpu_us: number;
  /** The kernel's part of it (system calls, loopback TCP). */
  proxy_sys_us: number;
  /** write- and read-type system calls of the proxy per transaction (as /proc/<pid>/io counts them: write, writev, read; not sendto/recvfrom). */
  proxy_writes: number;
  proxy_reads: number;
  /** Time the proxy's main thread was runnable but had no CPU, per transaction. */
  proxy_run_queue_us: number;
  /** How busy the whole machine was during the run, in percent of all CPUs. */
  host_busy_pct: number;
  /** pgbench's last lines, only when the run failed. */
  error?: string;
}

interface Connection {
  port: number;
  user: string;
  database: string;
  password: string;
  /** The proxy process whose CPU time is charged to this path. */
  pid?: number;
}

function connectionFor(endpoints: Endpoints, path: BenchPath, mode: QueryMode): Connection {
  const { cluster, bouncer } = endpoints;
  switch (path.via) {
    case "direct":
      return { port: cluster.pg.port, user: BENCH_ROLE, database: BENCH_DATABASE, password: cluster.password };
    case "pipe":
      return { port: endpoints.pipe.port, user: BENCH_ROLE, database: BENCH_DATABASE, password: cluster.password, pid: endpoints.pipe.pid };
    case "pgbouncer":
      return { port: bouncer.port, user: BENCH_ROLE, database: mode === "simple" ? POOLED_TRANSACTION : POOLED_SESSION, password: cluster.password, pid: bouncer.pid };
    case "portcullis":
    case "portcullis-audit":
    case "portcullis-unaudited": {
      const gateway = path.via === "portcullis" ? endpoints.portcullis : path.via === "portcullis-audit" ? endpoints.audited : endpoints.unaudited;
      // User "token": whoever the token names; the database names the gateway's target.
      return { port: gateway.port, user: "token", database: BENCH_DATABASE, password: gateway.tokens[path.identity ?? "reader"], pid: gateway.pid };
    }
  }
}

/** Runs pgbench on one path and compares it with its baseline among `earlier` runs (or itself). */
export async function measurePath(endpoints: Endpoints, path: BenchPath, mode: QueryMode, clients: number, seconds: number, earlier: readonly RunFigures[]): Promise<RunFigures> {
  const to = connectionFor(endpoints, path, mode);
  const workload: Workload = path.script === "select-only" ? { kind: "select-only" } : { kind: "file", path: endpoints.scriptPath };
  const before = to.pid !== undefined ? processCounters(to.pid) : undefined;
  const hostBefore = hostCpu();
  const result = await runPgbench({ pgbench: endpoints.cluster.pgbench, ...to, mode, clients, seconds, workload });
  const busy = busyFraction(hostBefore, hostCpu());
  const used: ProcessCounters | undefined = to.pid !== undefined && before ? countersSince(before, processCounters(to.pid)) : undefined;
  const perTransaction = (value: number | undefined, scale: number, digits: number): number => (value === undefined ? Number.NaN : round((value * scale) / result.transactions, digits));
  const base = path.baseline === path.name ? result.tps : (earlier.find((r) => r.mode === mode && r.clients === clients && r.path === path.baseline)?.tps ?? Number.NaN);
  const figures: RunFigures = {
    mode,
    clients,
    path: path.name,
    ok: result.ok,
    tps: round(result.tps, 0),
    transactions: result.transactions,
    latency_ms: result.latency_ms,
    ratio: round(result.tps / base, 3),
    added_us: round((1e6 * clients) / result.tps - (1e6 * clients) / base, 1),
    proxy_cpu_us: perTransaction(used && used.userSeconds + used.systemSeconds, 1e6, 1),
    proxy_sys_us: perTransaction(used?.systemSeconds, 1e6, 1),
    proxy_writes: perTransaction(used?.writeCalls, 1, 2),
    proxy_reads: perTransaction(used?.readCalls, 1, 2),
    proxy_run_queue_us: perTransaction(used?.runQueueSeconds, 1e6, 1),
    host_busy_pct: round(busy * 100, 0),
  };
  if (result.error !== undefined) figures.error = `${result.command}\n${result.error}`;
  return figures;
}

const RUNS = table([
  { title: "mode", width: 8, left: true },
  { title: "clients", width: 7 },
  { title: "path", width: 23, left: true },
  { title: "TPS", width: 8 },
  { title: "× direct", width: 8 },
  { title: "µs added/stmt", width: 13 },
  { title: "proxy CPU µs/stmt", width: 17 },
  { title: "of it sys", width: 9 },
  { title: "writes/stmt", width: 11 },
  { title: "host busy", width: 9 },
]);

export function printRunHeader(): void {
  RUNS.printHeader();
}

export function printRunRow(r: RunFigures): void {
  const percent = Number.isFinite(r.ratio) ? `${Math.round(r.ratio * 100)}%` : "-";
  const added = r.path.startsWith("direct") ? "" : formatNumber(r.added_us);
  const sys = Number.isFinite(r.proxy_cpu_us) && r.proxy_cpu_us > 0 ? `${Math.round((100 * r.proxy_sys_us) / r.proxy_cpu_us)}%` : "-";
  // PgBouncer sends and receives with sendto/recvfrom, which /proc/<pid>/io does not count.
  const writes = r.path.startsWith("portcullis") || r.path === "node-pipe" ? r.proxy_writes.toFixed(2) : "-";
  RUNS.printRow([r.mode, String(r.clients), r.path, r.ok ? formatNumber(r.tps) : "FAILED", percent, added, formatNumber(r.proxy_cpu_us), sys, writes, `${r.host_busy_pct}%`]);
  if (!r.ok) printNote(r.error ?? "");
}

/** Each proxy path's CPU per statement in each mode, the median over the client counts. */
export function cpuPerStatement(runs: readonly RunFigures[]): Array<{ path: string; simple: number; prepared: number }> {
  const paths = [...new Set(runs.filter((r) => !r.path.startsWith("direct")).map((r) => r.path))];
  return paths.map((path) => ({ path, simple: cpuMedian(runs, path, "simple"), prepared: cpuMedian(runs, path, "prepared") }));
}
