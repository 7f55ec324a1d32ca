import { readdirSync } from "node:fs";
import { join } from "node:path";
import type { PostgresTarget } from "../../proxy/postgres/upstream/target.js";
import { countersSince, processCounters, type ProcessCounters } from "../support/proc-cpu.js";
import { round } from "../support/stats.js";
import { formatNumber, printNote, printSection, table } from "../support/table.js";
import type { BenchCluster } from "./cluster.js";
import { analyzeWindow, loadProfile, type LoadedProfile, type Share, type WindowProfile } from "./cpu-profile.js";
import { startGatewayProcess, type GatewayProcess } from "./gateway-process.js";
import type { BenchIdentity } from "./identities.js";
import { runPgbench, type PgbenchResult, type QueryMode } from "./pgbench.js";

/** Per statement, from the kernel's counters of the profiled gateway over the window. */
export interface KernelView {
  user_us: number;
  sys_us: number;
  run_queue_us: number;
  writes: number;
  reads: number;
}

export interface ProfileReport {
  clients: number;
  sampling_interval_us: number;
  windows: Array<WindowProfile & { tps: number; kernel: KernelView; stage_cpu_us: Record<string, number> }>;
}

interface ProfiledRun {
  label: string;
  mode: QueryMode;
  script: "select-only" | "users";
  identity: BenchIdentity;
  /** Which profiled gateway serves it: recording to a counter, or to the durable audit log. */
  gateway: "counter" | "audit";
}

const RUNS: readonly ProfiledRun[] = [
  { label: "simple -S (reader, no masking)", mode: "simple", script: "select-only", identity: "reader", gateway: "counter" },
  { label: "prepared -S (reader, no masking)", mode: "prepared", script: "select-only", identity: "reader", gateway: "counter" },
  { label: "simple users (analyst, masked)", mode: "simple", script: "users", identity: "analyst", gateway: "counter" },
  { label: "prepared users (analyst, masked)", mode: "prepared", script: "users", identity: "analyst", gateway: "counter" },
  { label: "simple -S (reader) + audit log fdatasync", mode: "simple", script: "select-only", identity: "reader", gateway: "audit" },
];

const SAMPLING_INTERVAL_US = 500;
const SHOWN = 10;

const SHARES = table([
  { title: "", width: 4 },
  { title: "ms", width: 7 },
  { title: "% busy", width: 7 },
  { title: "≈µs/stmt", width: 9 },
  { title: "where", width: 70, left: true },
]);

function printShares(title: string, shares: readonly Share[], cpuUs?: Record<string, number>): void {
  printNote(title);
  for (const s of shares.slice(0, SHOWN)) SHARES.printRow(["", formatNumber(s.ms), s.pct.toFixed(1), cpuUs ? formatNumber(cpuUs[s.name] ?? Number.NaN) : "", s.name]);
}

const SYSCALL_STAGES = new Set(["socket write syscalls", "socket reads"]);

/**
 * The profiler samples wall-clock time while the thread is not idle, so a thread preempted inside a
 * system call (a loopback write wakes the reader, which often takes the CPU at once) is charged to that
 * call. The kernel's counters do not have that bias: the system-call stages share the measured system
 * time, every other stage the user time, each in proportion to its samples.
 */
function stageCpu(stages: readonly Share[], kernel: KernelView): Record<string, number> {
  const inKernel = stages.filter((s) => SYSCALL_STAGES.has(s.name)).reduce((a, s) => a + s.ms, 0);
  const inUser = stages.filter((s) => !SYSCALL_STAGES.has(s.name)).reduce((a, s) => a + s.ms, 0);
  const out: Record<string, number> = {};
  for (const s of stages) {
    const kernelSide = SYSCALL_STAGES.has(s.name);
    const pool = kernelSide ? kernel.sys_us : kernel.user_us;
    const total = kernelSide ? inKernel : inUser;
    out[s.name] = total > 0 ? round((pool * s.ms) / total, 1) : Number.NaN;
  }
  return out;
}

interface Window {
  run: ProfiledRun;
  from: number;
  to: number;
  transactions: number;
  tps: number;
  used: ProcessCounters;
}

/**
 * Profiles two more gateway processes (node --cpu-prof), one recording to a counter like the measured
 * one and one to the audit log, while pgbench drives each workload in turn; then splits the samples by
 * each run's time window (the profile's clock is the monotonic clock `process.hrtime` reads here).
 */
export async function profileGateway(options: { cluster: BenchCluster; target: PostgresTarget; scriptPath: string; work: string; clients: number; seconds: number; warmupSeconds: number }): Promise<ProfileReport> {
  printSection(`CPU profile of the gateway (node --cpu-prof, ${SAMPLING_INTERVAL_US} µs sampling, ${options.clients} clients, ${options.seconds} s per workload after a ${options.warmupSeconds} s warm-up each)`);
  const dirs = { counter: join(options.work, "cpu-profile-counter"), audit: join(options.work, "cpu-profile-audit") };
  const flags = (dir: string): string[] => ["--cpu-prof", `--cpu-prof-dir=${dir}`, `--cpu-prof-interval=${SAMPLING_INTERVAL_US}`];
  const gateways: Partial<Record<ProfiledRun["gateway"], GatewayProcess>> = {};
  const windows: Window[] = [];
  try {
    gateways.counter = await startGatewayProcess({ target: options.target, auditPath: join(options.work, "profiled-audit-write.log"), auditDurability: "write", recordingsDir: join(options.work, "profiled-recordings-write") }, flags(dirs.counter));
    gateways.audit = await startGatewayProcess({ target: options.target, auditPath: join(options.work, "profiled-audit.log"), auditDurability: "fsync", recordingsDir: join(options.work, "profiled-recordings") }, flags(dirs.audit));
    const drive = async (run: ProfiledRun, seconds: number): Promise<PgbenchResult> => {
      const gateway = gateways[run.gateway]!;
      const result = await runPgbench({
        pgbench: options.cluster.pgbench,
        port: gateway.port,
        // Whoever the token names.
        user: "token",
        database: options.target.name,
        password: gateway.tokens[run.identity],
        mode: run.mode,
        clients: options.clients,
        seconds,
        workload: run.script === "select-only" ? { kind: "select-only" } : { kind: "file", path: options.scriptPath },
      });
      if (!result.ok) throw new Error(`profiled pgbench run failed: ${result.command}\n${result.error ?? ""}`);
      return result;
    };
    // Warm up every workload first so the windows show the steady state, not compilation.
    for (const run of RUNS) await drive(run, options.warmupSeconds);
    for (const run of RUNS) {
      const pid = gateways[run.gateway]!.pid;
      const before = processCounters(pid);
      const from = Number(process.hrtime.bigint() / 1000n);
      const result = await drive(run, options.seconds);
      const to = Number(process.hrtime.bigint() / 1000n);
      windows.push({ run, from, to, transactions: result.transactions, tps: round(result.tps, 0), used: countersSince(before, processCounters(pid)) });
    }
  } finally {
    for (const g of Object.values(gateways)) await g.stop();
  }
  const profiles = { counter: readProfile(dirs.counter), audit: readProfile(dirs.audit) };
  const report: ProfileReport = { clients: options.clients, sampling_interval_us: SAMPLING_INTERVAL_US, windows: [] };
  for (const w of windows) {
    const analysis = analyzeWindow(profiles[w.run.gateway], w.run.label, w.from, w.to, w.transactions);
    const per = (v: number, scale: number, digits: number): number => round((v * scale) / w.transactions, digits);
    const kernel: KernelView = {
      user_us: per(w.used.userSeconds, 1e6, 1),
      sys_us: per(w.used.systemSeconds, 1e6, 1),
      run_queue_us: per(w.used.runQueueSeconds, 1e6, 1),
      writes: per(w.used.writeCalls, 1, 2),
      reads: per(w.used.readCalls, 1, 2),
    };
    const cpuUs = stageCpu(analysis.stages, kernel);
    report.windows.push({ ...analysis, tps: w.tps, kernel, stage_cpu_us: cpuUs });
    printSection(`${w.run.label}: ${w.tps.toLocaleString("en-US")} TPS under the profiler, ${w.transactions.toLocaleString("en-US")} statements`);
    printNote(`profiler: main thread not idle ${analysis.cores} of the wall time, ${analysis.busy_us_per_statement} µs per statement`);
    printNote(`kernel, per statement: CPU ${kernel.user_us} µs user + ${kernel.sys_us} µs system; main thread waited ${kernel.run_queue_us} µs for a CPU; ${kernel.writes} write and ${kernel.reads} read system calls`);
    printShares("by stage (each sample charged to the nearest classified frame; ≈µs/stmt splits the kernel's user and system time by samples):", analysis.stages, cpuUs);
    printShares("hottest functions, self time:", analysis.self);
    printShares("hottest functions of Portcullis and its libraries, inclusive time:", analysis.inclusive);
  }
  return report;
}

function readProfile(dir: string): LoadedProfile {
  const file = readdirSync(dir).find((f) => f.endsWith(".cpuprofile"));
  if (!file) throw new Error(`node --cpu-prof wrote no profile in ${dir}`);
  return loadProfile(join(dir, file));
}
