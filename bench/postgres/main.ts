/**
 * `npm run bench:postgres`: pgbench through the PostgreSQL gateway, side by side with the server itself
 * and with PgBouncer, in one run. Prints a table as it goes, then a CPU profile of the gateway; the last
 * line is one JSON object with every figure.
 *
 * BENCH_SECONDS (default 8) is the length of each pgbench run; BENCH_PROFILE=0 skips the profile;
 * BENCH_CLIENTS (default 1,4,16) and BENCH_PROFILE_CLIENTS (default 4) choose the client counts.
 *
 * The gateway runs as a Node.js process of its own (gateway-child.ts), not inside this one: that is how
 * it is deployed, the kernel then accounts its CPU time and system calls separately (/proc), and the
 * profiled gateway is the same program as the measured one with `--cpu-prof` added.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { round, usSince, type Summary } from "../support/stats.js";
import { printNote, printSection } from "../support/table.js";
import { BENCH_DATABASE, BENCH_ROLE, startBenchCluster, USERS_ROWS, type BenchCluster } from "./cluster.js";
import { measureFdatasync } from "./fsync-latency.js";
import { startGatewayProcess, type GatewayProcess, type GatewayStats } from "./gateway-process.js";
import { checkMasking } from "./mask-check.js";
import { PATHS, usersScript } from "./paths.js";
import type { QueryMode } from "./pgbench.js";
import { startPgBouncer, type RunningPgBouncer } from "./pgbouncer.js";
import { profileGateway, type ProfileReport } from "./profile-run.js";
import { cpuPerStatement, measurePath, printRunHeader, printRunRow, type Endpoints, type RunFigures } from "./run-path.js";
import { issueAims, printIssueTable } from "./aims.js";
import { measureMaskedScan, type ScanFigures } from "./masked-scan.js";
import { startPipeProxy, type PipeProxy } from "./pipe-proxy.js";

const SECONDS = positiveNumber("BENCH_SECONDS", 8);
const PROFILE = process.env.BENCH_PROFILE !== "0";
const SCALE = 10;
/** BENCH_CLIENTS (default 1,4,16): the client counts of the pgbench matrix; the aims need all three. */
const CLIENTS = clientCounts("BENCH_CLIENTS", [1, 4, 16]);
const MODES: readonly QueryMode[] = ["simple", "prepared"];
/** BENCH_PROFILE_CLIENTS (default 4): how many clients drive the profiled gateway. */
const PROFILE_CLIENTS = clientCounts("BENCH_PROFILE_CLIENTS", [4])[0]!;
const WARMUP_SECONDS = 1;
const WARMUP_CLIENTS = 4;
const FSYNC_SAMPLES = 300;
/** The gateway's target: the bench database, as `prod` so the default policy applies its strictest rules. */
const TARGET_TAGS = { env: "prod" };

function positiveNumber(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number of seconds`);
  return value;
}

function clientCounts(name: string, fallback: number[]): number[] {
  const raw = process.env[name];
  if (raw === undefined) return fallback;
  const counts = raw.split(",").map((v) => Number(v.trim()));
  if (counts.length === 0 || counts.some((n) => !Number.isInteger(n) || n <= 0)) throw new Error(`${name} must be a comma-separated list of positive client counts`);
  return counts;
}

function loads(): number[] {
  return loadavg().map((v) => round(v, 2));
}

async function main(): Promise<void> {
  const began = process.hrtime.bigint();
  const loadStart = loads();
  const work = mkdtempSync(join(tmpdir(), "portcullis-bench-pg-"));
  let cluster: BenchCluster | undefined;
  let bouncer: RunningPgBouncer | undefined;
  let pipe: PipeProxy | undefined;
  const gateways: GatewayProcess[] = [];
  try {
    console.log(`Portcullis PostgreSQL gateway benchmark — node ${process.version}, ${cpus().length} CPUs, load average ${loadStart.join(" ")}`);
    console.log(`pgbench runs of ${SECONDS} s; -j = min(clients, 2); every process (pgbench, PostgreSQL, PgBouncer, the gateway) shares these ${cpus().length} CPUs`);

    printSection(`fdatasync in ${tmpdir()} (write 600 B + fdatasync, ${FSYNC_SAMPLES} times each)`);
    const fsync = measureFdatasync(FSYNC_SAMPLES);
    const syncFigures = (s: Summary): string => `p50 ${s.p50_us} µs, p99 ${s.p99_us} µs, mean ${s.mean_us} µs, max ${s.max_us} µs → ${s.decisions_per_s.toLocaleString("en-US")} unbatched durable writes/s`;
    printNote(`${fsync.filesystem}`);
    printNote(`appending to a growing file:       ${syncFigures(fsync.append)}`);
    printNote(`overwriting a pre-written region:  ${syncFigures(fsync.overwrite)}`);

    printSection(`setup`);
    cluster = await startBenchCluster(SCALE);
    const pg = cluster.pg;
    const serverVersion = (await pg.query<{ server_version: string }>("SHOW server_version")).rows[0]?.server_version ?? "?";
    const pgbenchVersion = execFileSync(cluster.pgbench, ["--version"], { encoding: "utf8" }).trim();
    printNote(`PostgreSQL ${serverVersion} on 127.0.0.1:${pg.port}; ${pgbenchVersion}; pgbench -i -s ${SCALE} took ${round(cluster.initSeconds, 1)} s; users table: ${USERS_ROWS.toLocaleString("en-US")} rows`);
    const asBench = { user: BENCH_ROLE, password: cluster.password, database: BENCH_DATABASE };
    const secret = (await pg.query<{ rolpassword: string }>("SELECT rolpassword FROM pg_authid WHERE rolname = $1", [BENCH_ROLE])).rows[0]?.rolpassword ?? "";
    bouncer = await startPgBouncer({ serverPort: pg.port, database: BENCH_DATABASE, user: BENCH_ROLE, scramSecret: secret, poolSize: 20 });
    printNote(`${bouncer.version} on 127.0.0.1:${bouncer.port}: simple mode through a transaction pool, prepared mode through a session pool (PgBouncer before 1.21 cannot keep prepared statements across transaction pooling); auth_file holds the role's SCRAM secret`);

    const target = { type: "postgres" as const, name: BENCH_DATABASE, tags: TARGET_TAGS, host: pg.host, port: pg.port, database: BENCH_DATABASE, user: BENCH_ROLE, password: cluster.password, tls: "disable" as const };
    // Both gateways write every decision to the real audit log before forwarding, as `portcullis serve`
    // does: one with the default durability (acknowledged once written, fdatasync every 100 ms), one
    // with an fdatasync per batch of concurrent decisions.
    // And record every session, as `portcullis serve` does by default.
    const portcullis = await startGatewayProcess({ target, auditPath: join(work, "audit-write.log"), auditDurability: "write", recordingsDir: join(work, "recordings-write") });
    gateways.push(portcullis);
    const auditPath = join(work, "audit.log");
    const audited = await startGatewayProcess({ target, auditPath, auditDurability: "fsync", recordingsDir: join(work, "recordings-fsync") });
    gateways.push(audited);
    // Not a way to run the gateway (every decision is audited before it is forwarded): the same gateway
    // with its events only counted (no audit log, no recordings), so their share of a statement is
    // measured, not guessed.
    const unaudited = await startGatewayProcess({ target });
    gateways.push(unaudited);
    printNote(`Portcullis gateways (separate Node.js processes, default policy, target tags ${JSON.stringify(TARGET_TAGS)}): 127.0.0.1:${portcullis.port} with the audit log at its default durability (write, fdatasync every 100 ms); 127.0.0.1:${audited.port} with audit.durability fsync (${auditPath}, group commit); both record every session (recordings on, the default); 127.0.0.1:${unaudited.port} with neither (portcullis-no-log: its events are only counted, to measure what the log and the recordings cost)`);
    const stored = (await pg.query<{ email: string; ssn: string }>("SELECT email, ssn FROM users WHERE id = 1", [], asBench)).rows[0];
    if (!stored) throw new Error("users row 1 is missing");
    const masked = await checkMasking(portcullis.port, BENCH_DATABASE, portcullis.tokens, stored);
    printNote(`masking check, users row 1: reader sees ${JSON.stringify(masked.reader)}; analyst sees ${JSON.stringify(masked.analyst)}`);
    const scriptPath = join(work, "users.sql");
    writeFileSync(scriptPath, usersScript(USERS_ROWS));
    printNote(`users script (${scriptPath}): ${usersScript(USERS_ROWS).replaceAll("\n", " ").trim()}`);

    pipe = await startPipeProxy(pg.host, pg.port);
    printNote(`do-nothing Node.js pipe proxy (its own process, client.pipe(server) both ways) on 127.0.0.1:${pipe.port}: the ceiling for any Node.js proxy here`);
    const endpoints: Endpoints = { cluster, bouncer, portcullis, audited, unaudited, pipe, scriptPath };
    // Compile-on-first-use (JIT, WASM tiers, schema validators, catalog lookups) and cold caches are not
    // what a long-running gateway pays per statement: every path runs once, untimed, first.
    const warmups: RunFigures[] = [];
    for (const mode of MODES) for (const path of PATHS) warmups.push(await measurePath(endpoints, path, mode, WARMUP_CLIENTS, WARMUP_SECONDS, warmups));
    const coldFailures = warmups.filter((r) => !r.ok);
    printNote(`warm-up: every path once per mode, ${WARMUP_SECONDS} s at ${WARMUP_CLIENTS} clients, untimed${coldFailures.length > 0 ? `; ${coldFailures.length} FAILED: ${coldFailures.map((r) => `${r.mode} ${r.path}: ${r.error ?? ""}`).join(" | ")}` : ""}`);
    printSection(`pgbench: TPS, share of direct, µs added per statement (clients/TPS − clients/TPS_direct), proxy CPU per statement`);
    printRunHeader();
    const runs: RunFigures[] = [];
    for (const mode of MODES) {
      for (const clients of CLIENTS) {
        for (const path of PATHS) {
          const figures = await measurePath(endpoints, path, mode, clients, SECONDS, runs);
          runs.push(figures);
          printRunRow(figures);
        }
      }
    }

    printSection(`masked SELECT of all ${USERS_ROWS.toLocaleString("en-US")} users rows (node-postgres, median of 5 after one untimed run)`);
    let scan: ScanFigures | undefined;
    try {
      scan = await measureMaskedScan({ port: pg.port, ...asBench }, { port: portcullis.port, user: "token", database: BENCH_DATABASE, password: portcullis.tokens.analyst }, USERS_ROWS);
      printNote(`direct ${scan.direct_ms} ms, through the gateway as the analyst (email and ssn masked) ${scan.gateway_ms} ms: ×${scan.ratio}`);
    } catch (error) {
      printNote(`FAILED: ${error instanceof Error ? error.message : String(error)}`);
    }

    const stats: Record<string, GatewayStats> = {};
    stats.portcullis = await portcullis.stop();
    stats.audited = await audited.stop();
    stats.unaudited = await unaudited.stop();
    gateways.length = 0;
    const auditEvents = stats.audited.events;
    const appends = auditEvents.audit_appends ?? 0;
    const syncs = auditEvents.audit_syncs ?? 0;
    printNote(`audit log: ${appends.toLocaleString("en-US")} durable appends in ${syncs.toLocaleString("en-US")} fdatasyncs (${round(appends / Math.max(1, syncs), 2)} per sync on average, largest batch ${auditEvents.audit_largest_batch ?? 0})`);
    for (const [name, s] of Object.entries(stats)) if (s.log_lines > 0) printNote(`${name} gateway logged ${s.log_lines} lines, first: ${s.first_logs.join(" | ")}`);

    let profile: ProfileReport | undefined;
    if (PROFILE) profile = await profileGateway({ cluster, target, scriptPath, work, clients: PROFILE_CLIENTS, seconds: SECONDS, warmupSeconds: WARMUP_SECONDS });

    const cpu = cpuPerStatement(runs);
    printSection("proxy CPU per statement (user + system µs, median over 1, 4 and 16 clients): steadier than TPS on a shared machine");
    for (const c of cpu) printNote(`${c.path.padEnd(24)} simple ${String(c.simple).padStart(7)}   prepared ${String(c.prepared).padStart(7)}`);

    const goal = issueAims(runs, scan);
    printIssueTable(runs, goal, scan);

    const failed = runs.filter((r) => !r.ok);
    const loadEnd = loads();
    const totalSeconds = round(usSince(began) / 1e6, 1);
    console.log(`\ndone in ${totalSeconds} s; load average at start ${loadStart.join(" ")}, at end ${loadEnd.join(" ")}${failed.length > 0 ? `; ${failed.length} runs FAILED` : ""}`);
    if (failed.length > 0) process.exitCode = 1;
    const report = {
      bench: "postgres",
      seconds_per_run: SECONDS,
      scale: SCALE,
      users_rows: USERS_ROWS,
      cpus: cpus().length,
      node: process.version,
      postgres: serverVersion,
      pgbench: pgbenchVersion,
      pgbouncer: bouncer.version,
      load_average_start: loadStart,
      load_average_end: loadEnd,
      fdatasync: { filesystem: fsync.filesystem, append: fsync.append, overwrite: fsync.overwrite },
      mask_check: masked,
      runs,
      masked_scan: scan ?? null,
      proxy_cpu_us_per_statement: cpu,
      gateway_events: stats,
      audit: { appends, fdatasyncs: syncs, appends_per_sync: round(appends / Math.max(1, syncs), 2) },
      profile: profile ?? null,
      failed_runs: failed.length,
      total_seconds: totalSeconds,
    };
    // The last line: every figure, and every aim of issue 13 with met / not met.
    console.log(JSON.stringify({ ...report, aims: goal, aims_met: goal.filter((a) => a.met === true).length, aims_not_met: goal.filter((a) => a.met === false).map((a) => a.name) }));
  } finally {
    for (const g of gateways) await g.stop().catch(() => undefined);
    await bouncer?.stop();
    await pipe?.stop();
    await cluster?.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(`bench:postgres failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exitCode = 1;
});
