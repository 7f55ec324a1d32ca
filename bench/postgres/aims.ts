import { round } from "../support/stats.js";
import { printNote, printSection } from "../support/table.js";
import type { ScanFigures } from "./masked-scan.js";
import type { QueryMode } from "./pgbench.js";
import type { RunFigures } from "./run-path.js";

/** Issue 13's figures for the gateway before this work (gateway CPU per statement, µs): the table's "before" row. */
export const BEFORE_ISSUE_13 = { simple: 225, prepared: 28 } as const;

/** One aim of issue 13: its figure from this run, and whether it was met (null: not measured by this benchmark). */
export interface Aim {
  name: string;
  aim: string;
  value: number | null;
  met: boolean | null;
  note?: string;
}

export function median(values: number[]): number {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? Number.NaN) : round(((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2, 1);
}

function runsOf(runs: readonly RunFigures[], path: string, mode: QueryMode): RunFigures[] {
  return runs.filter((r) => r.path === path && r.mode === mode);
}

/** A path's proxy CPU per statement in one mode, the median over the client counts. */
export function cpuMedian(runs: readonly RunFigures[], path: string, mode: QueryMode): number {
  return median(runsOf(runs, path, mode).map((r) => r.proxy_cpu_us));
}

function at(runs: readonly RunFigures[], path: string, mode: QueryMode, clients: number): RunFigures | undefined {
  return runsOf(runs, path, mode).find((r) => r.clients === clients);
}

function atMost(name: string, aim: number, value: number, unit: string, note?: string): Aim {
  return { name, aim: `≤ ${aim} ${unit}`.trim(), value: Number.isFinite(value) ? value : null, met: Number.isFinite(value) ? value <= aim : false, ...(note ? { note } : {}) };
}

function atLeast(name: string, aim: number, value: number, note?: string): Aim {
  return { name, aim: `≥ ${aim}`, value: Number.isFinite(value) ? value : null, met: Number.isFinite(value) ? value >= aim : false, ...(note ? { note } : {}) };
}

/** Every aim of issue 13 this benchmark measures, from the runs of one benchmark. */
export function issueAims(runs: readonly RunFigures[], scan: ScanFigures | undefined): Aim[] {
  const share = (mode: QueryMode): number => Math.min(...[4, 16].map((c) => at(runs, "portcullis", mode, c)?.ratio ?? Number.NaN));
  // Paired by client count: the two users paths run back to back, so the machine's drift over the run
  // (other load, CPU frequency) cancels in each difference, where a difference of two medians keeps it.
  const maskAdds = (mode: QueryMode): number => {
    const differences = runsOf(runs, "portcullis+mask·users", mode).flatMap((masked) => {
      const plain = at(runs, "portcullis·users", mode, masked.clients);
      return plain ? [masked.proxy_cpu_us - plain.proxy_cpu_us] : [];
    });
    return differences.length > 0 ? round(median(differences), 1) : Number.NaN;
  };
  return [
    atMost("gateway CPU per statement, simple (median of 1, 4, 16 clients)", 60, cpuMedian(runs, "portcullis", "simple"), "µs"),
    atMost("gateway CPU per statement, prepared (median of 1, 4, 16 clients)", 20, cpuMedian(runs, "portcullis", "prepared"), "µs"),
    atMost("masking a users lookup adds, simple", 15, maskAdds("simple"), "µs"),
    atMost("masking a users lookup adds, prepared", 15, maskAdds("prepared"), "µs"),
    atMost("added latency at 1 client, simple", 80, at(runs, "portcullis", "simple", 1)?.added_us ?? Number.NaN, "µs"),
    atMost("added latency at 1 client, prepared", 40, at(runs, "portcullis", "prepared", 1)?.added_us ?? Number.NaN, "µs"),
    atLeast("share of direct TPS, simple (lower of 4 and 16 clients)", 0.5, share("simple")),
    atLeast("share of direct TPS, prepared (lower of 4 and 16 clients)", 0.7, share("prepared")),
    atMost("write system calls per statement, simple, 4 clients", 2.2, at(runs, "portcullis", "simple", 4)?.proxy_writes ?? Number.NaN, ""),
    scan ? atMost("masked SELECT of every users row, gateway / direct", 2, scan.ratio, "×") : { name: "masked SELECT of every users row, gateway / direct", aim: "≤ 2 ×", value: null, met: false, note: "not measured" },
    { name: "policy evaluation p99", aim: "≤ 50 µs", value: null, met: null, note: "measured by npm run bench:policy" },
  ];
}

/** Prints issue 13's table (before/after, PgBouncer and the pipe-proxy ceiling) and every aim. */
export function printIssueTable(runs: readonly RunFigures[], aims: readonly Aim[], scan: ScanFigures | undefined): void {
  printSection("issue 13: gateway CPU per statement (µs, median over 1, 4 and 16 clients; proxy process user + system)");
  const row = (label: string, simple: number | string, prepared: number | string): void => printNote(`${label.padEnd(42)} ${String(simple).padStart(9)} ${String(prepared).padStart(9)}`);
  row("", "simple", "prepared");
  row("PgBouncer (reference, this run)", cpuMedian(runs, "pgbouncer", "simple"), cpuMedian(runs, "pgbouncer", "prepared"));
  row("do-nothing Node.js pipe proxy (this run)", cpuMedian(runs, "node-pipe", "simple"), cpuMedian(runs, "node-pipe", "prepared"));
  row("Portcullis before (issue 13's figures)", `~${BEFORE_ISSUE_13.simple}`, `~${BEFORE_ISSUE_13.prepared}`);
  row("Portcullis now (this run)", cpuMedian(runs, "portcullis", "simple"), cpuMedian(runs, "portcullis", "prepared"));
  row("  of it, audit log and recordings", round(cpuMedian(runs, "portcullis", "simple") - cpuMedian(runs, "portcullis-no-log", "simple"), 1), round(cpuMedian(runs, "portcullis", "prepared") - cpuMedian(runs, "portcullis-no-log", "prepared"), 1));
  row("aim", "≤ 60", "≤ 20");
  // On a shared machine every process's CPU per statement swells with the load; PgBouncer measured in
  // the same run is the yardstick that does not move with it.
  const times = (path: string, mode: QueryMode): string => `×${round(cpuMedian(runs, path, mode) / cpuMedian(runs, "pgbouncer", mode), 1)}`;
  row("Portcullis ÷ PgBouncer, this run", times("portcullis", "simple"), times("portcullis", "prepared"));
  row("  before (issue 13: ~225/~14, ~28/~12)", `×${round(BEFORE_ISSUE_13.simple / 14, 1)}`, `×${round(BEFORE_ISSUE_13.prepared / 12, 1)}`);
  row("  aim (60/14, 20/12)", `×${round(60 / 14, 1)}`, `×${round(20 / 12, 1)}`);
  const share = (path: string, mode: QueryMode): string => [4, 16].map((c) => `${c}: ${Math.round((at(runs, path, mode, c)?.ratio ?? Number.NaN) * 100)}%`).join(", ");
  printNote(`share of direct TPS (4 and 16 clients): simple — Portcullis ${share("portcullis", "simple")}; pipe proxy ${share("node-pipe", "simple")}; PgBouncer ${share("pgbouncer", "simple")}`);
  printNote(`                                     prepared — Portcullis ${share("portcullis", "prepared")}; pipe proxy ${share("node-pipe", "prepared")}; PgBouncer ${share("pgbouncer", "prepared")}`);
  if (scan) printNote(`masked SELECT of ${scan.rows.toLocaleString("en-US")} users rows: direct ${scan.direct_ms} ms, through the gateway (masked) ${scan.gateway_ms} ms: ×${scan.ratio}`);
  printSection("issue 13: aims");
  for (const a of aims) printNote(`${a.name.padEnd(66)} ${String(a.value ?? "-").padStart(8)}  aim ${a.aim.padEnd(9)} ${a.met === null ? "(elsewhere)" : a.met ? "met" : "NOT met"}${a.note ? `  (${a.note})` : ""}`);
}
