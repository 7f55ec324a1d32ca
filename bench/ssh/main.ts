/**
 * `npm run bench:ssh`: the SSH gateway side by side with the sshd behind it, in one run.
 *
 * (a) `ssh HOST true` round trips with the real OpenSSH client (a whole connection each: key exchange,
 *     authentication, exec); direct with the key, and through the gateway with a token (sshpass).
 *     sshd runs every exec through the login shell, whose startup (~/.bashrc) is timed alone in the
 *     same rounds; where it is slow and noisy it hides the gateway's cost, so (a') times the parts
 *     of a round trip that do not involve it (ssh2 Client logins, a refused exec) for the aim.
 * (b) exec channels per second on one open connection, with ssh2's Client in this process (direct
 *     with the key, gateway with a token).
 * (c) `normalizeShell` µs per command over a seeded corpus of realistic command lines.
 * (d) 100 MB sent on stdin to `cat > /dev/null` and `dd of=/dev/null` (whose own timing leaves out
 *     connection, login and shell), and with `scp -O`, direct vs gateway (OpenSSH).
 *
 * The gateway (a whole one: default policy, audit log, recordings, in front of a throwaway sshd) runs
 * as a process of its own (gateway-child.ts). BENCH_SECONDS (default 6) sets the phases' lengths
 * (round trips 8×, exec channels 4×); BENCH_MB (default 100) the transfer size. The last line is one JSON object with every figure.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { processCounters, countersSince } from "../support/proc-cpu.js";
import { round, usSince } from "../support/stats.js";
import { formatNumber, printNote, printSection, table } from "../support/table.js";
import { commandCorpus } from "./commands.js";
import { benchComponents, LOGIN_DIRECT, LOGIN_GATEWAY, REFUSED_EXEC } from "./components.js";
import { benchExecChannels } from "./exec-channels.js";
import { startSshGatewayProcess, type SshGatewayProcess } from "./gateway-process.js";
import { benchNormalizeShell } from "./normalize.js";
import { PATHS, sshCommand, sshpassMs } from "./openssh.js";
import { benchRoundTrips, TARGET_SHELL } from "./round-trips.js";
import type { PathFigures, Rounds } from "./samples.js";
import { benchTransfers, remoteSha256, writeRandomFile } from "./transfer.js";

const SECONDS = positive("BENCH_SECONDS", 6);
const MEGABYTES = positive("BENCH_MB", 100);
const CORPUS_SIZE = 1200;
const NORMALIZE_PASSES = 5;
const TRANSFER_RUNS = 2;
const COMPONENT_ROUNDS = 20;
const AIMS = { round_trip_ratio_max: 1.5, copy_share_min: 0.5, normalize_p99_us_max: 100 };

function positive(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
  return value;
}

const loads = (): number[] => loadavg().map((v) => round(v, 2));
const ratio = (a: number, b: number): number => round(a / b, 2);
const met = (ok: boolean): string => (ok ? "met" : "NOT met");

/** Gateway CPU (user + system ms) per operation while `work` runs. */
async function withGatewayCpu<T>(pid: number, operations: (result: T) => number, work: () => Promise<T>): Promise<{ result: T; cpu_ms_per_op: number }> {
  const before = processCounters(pid);
  const result = await work();
  const used = countersSince(before, processCounters(pid));
  return { result, cpu_ms_per_op: round(((used.userSeconds + used.systemSeconds) * 1000) / Math.max(1, operations(result)), 2) };
}

/** Prints one row per path, with its ratio to `base`; the gateway's row with its CPU per operation. */
function printRounds(rounds: Rounds, paths: readonly string[], gatewayCpuMs: number, base = "direct"): PathFigures[] {
  const cols = table([{ title: "path", width: 16, left: true }, { title: "count", width: 6 }, { title: "per s", width: 7 }, { title: "p50 ms", width: 8 }, { title: "p99 ms", width: 8 }, { title: `× ${base}`, width: 15 }, { title: "gw CPU ms", width: 10 }]);
  cols.printHeader();
  const direct = rounds.figures(base);
  const all = paths.map((p) => rounds.figures(p));
  for (const f of all) cols.printRow([f.path, String(f.count), formatNumber(f.per_s), formatNumber(f.p50_ms), formatNumber(f.p99_ms), ratio(f.p50_ms, direct.p50_ms).toFixed(2), f.path === "gateway" ? formatNumber(gatewayCpuMs) : "-"]);
  for (const f of all) if (f.first_failure) printNote(`${f.path}: ${f.failed} FAILED, first: ${f.first_failure}`);
  return all;
}

async function main(): Promise<void> {
  const began = process.hrtime.bigint();
  const loadStart = loads();
  const work = mkdtempSync(join(tmpdir(), "portcullis-bench-ssh-"));
  let gateway: SshGatewayProcess | undefined;
  try {
    const openssh = spawnSync("ssh", ["-V"], { encoding: "utf8" }).stderr.trim();
    console.log(`Portcullis SSH gateway benchmark — node ${process.version}, ${cpus().length} CPUs, load average ${loadStart.join(" ")}`);
    console.log(`every process (ssh clients, the gateway, sshd and its sessions) shares these ${cpus().length} CPUs; round trips for ${SECONDS * 8} s, exec channels for ${SECONDS * 4} s`);

    printSection("setup");
    gateway = await startSshGatewayProcess();
    const g = gateway;
    printNote(`gateway pid ${g.pid} on 127.0.0.1:${g.port} (default policy, target web tagged env: dev, audit log + recordings); sshd on 127.0.0.1:${g.sshd.port} as ${g.sshd.user}; ${openssh}`);
    for (const path of PATHS) {
      const r = await sshCommand(path, g, "echo ok");
      if (r.code !== 0 || r.stdout !== "ok\n") throw new Error(`${path}: ssh echo ok failed (exit ${r.code}): ${r.stderr}`);
    }
    printNote("warm-up: `ssh HOST echo ok` once per path, untimed");

    printSection("(a) `ssh HOST true` round trips, real OpenSSH client, one after another, paths interleaved in rounds");
    const rt = await withGatewayCpu(g.pid, (r) => r.figures("gateway").count, () => benchRoundTrips(g, SECONDS * 8));
    const roundTrips = printRounds(rt.result, [...PATHS, TARGET_SHELL], rt.cpu_ms_per_op);
    const rtRatioRaw = ratio(rt.result.figures("gateway").p50_ms, rt.result.figures("direct").p50_ms);
    const shellMs = rt.result.figures(TARGET_SHELL).p50_ms;
    const sshpass = round(await sshpassMs(10), 1);
    printNote(`"${TARGET_SHELL}": what sshd runs for every exec, timed alone: ${g.sshd.user}'s login shell with -c true and SSH_CLIENT set (bash then reads ~/.bashrc; here pyenv init): p50 ${shellMs} ms of every round trip on both paths, and most of their variance`);
    printNote(`gateway − direct, median over rounds: ${rt.result.pairedDifference("gateway", "direct")} ms (of which sshpass, timed alone, ${sshpass} ms); too noisy to read the gateway's cost from: see the shell-free parts below`);

    printSection(`(a') the shell-free parts of a round trip, ssh2 Client in this process, ${COMPONENT_ROUNDS} interleaved rounds`);
    const parts = await benchComponents(g, COMPONENT_ROUNDS);
    const components = printRounds(parts, [LOGIN_DIRECT, LOGIN_GATEWAY, REFUSED_EXEC], Number.NaN, LOGIN_DIRECT);
    const loginDirect = parts.figures(LOGIN_DIRECT).p50_ms;
    const shellFree = { direct: loginDirect, gateway: round(parts.figures(LOGIN_GATEWAY).p50_ms + loginDirect + parts.figures(REFUSED_EXEC).p50_ms, 1) };
    const rtRatio = ratio(shellFree.gateway, shellFree.direct);
    printNote(`a round trip without the target's shell: direct = a login to sshd (${shellFree.direct} ms); through the gateway = a login to the gateway + the gateway's own login to sshd (the same ssh2 login as direct) + a decided request (${REFUSED_EXEC}: decision, audit record, refusal) = ${shellFree.gateway} ms → ${rtRatio}×`);
    printNote("direct leaves out the exec's own channel round trips, which the gateway side's refused exec includes: this ratio is an upper bound");

    printSection("(b) exec channels on one open connection (ssh2 Client in this process): `echo ok`, open → exit status → close, interleaved in rounds");
    const ex = await withGatewayCpu(g.pid, (r) => r.figures("gateway").count, () => benchExecChannels(g, SECONDS * 4));
    const execs = printRounds(ex.result, ["direct", "gateway", TARGET_SHELL], ex.cpu_ms_per_op);
    const execAdded = ex.result.pairedDifference("gateway", "direct");
    printNote(`gateway − direct, median over rounds: ${execAdded} ms per exec (decision, audit record, channel open on the gateway's upstream connection, relay); a refused exec, decided with nothing upstream: ${parts.figures(REFUSED_EXEC).p50_ms} ms`);

    printSection(`(c) shell normalization (normalizeShell), ${CORPUS_SIZE} distinct seeded command lines × ${NORMALIZE_PASSES} passes, each call timed`);
    const corpus = commandCorpus(CORPUS_SIZE);
    const norm = await benchNormalizeShell(corpus, NORMALIZE_PASSES);
    printNote(`${norm.commands} commands (mean ${norm.mean_chars} chars, longest ${norm.max_chars}; ${norm.dynamic} dynamic, ${norm.parse_errors} parse errors), ${formatNumber(norm.per_s)} per s`);
    printNote(`every call: p50 ${norm.p50_us} µs, p99 ${norm.p99_us} µs, max ${norm.max_us} µs (includes time this process waited for a CPU)`);
    printNote(`each command's median of ${NORMALIZE_PASSES}: p50 ${norm.median_per_command_p50_us} µs, p99 ${norm.median_per_command_p99_us} µs; slowest: ${norm.slowest.map((s) => `${s.median_us} µs ${JSON.stringify(s.text)}`).join("; ")}`);

    printSection(`(d) ${MEGABYTES} MB of random data, real OpenSSH client (best of ${TRANSFER_RUNS}, paths alternated)`);
    const file = join(work, "payload.bin");
    const bytes = Math.round(MEGABYTES * 1e6);
    const sha = writeRandomFile(file, bytes);
    const transfers = await withGatewayCpu(g.pid, (r) => r.filter((f) => f.path === "gateway").length * TRANSFER_RUNS * MEGABYTES, () => benchTransfers(g, file, bytes, ["direct", "gateway"], TRANSFER_RUNS));
    const tCols = table([{ title: "how", width: 28, left: true }, { title: "path", width: 8, left: true }, { title: "MB/s", width: 7 }, { title: "seconds", width: 12 }, { title: "share", width: 6 }]);
    printNote("cat and scp: 100 MB over the client's whole run (connection, login and the target's shell included); dd: over the time dd itself reports on the target (streaming only)");
    tCols.printHeader();
    const shares: Record<string, number> = {};
    const label = { "exec cat": "ssh HOST 'cat >/dev/null'", "exec dd": "ssh HOST 'dd of=/dev/null'", "scp -O": "scp -O FILE HOST:/dev/null" } as const;
    for (const f of transfers.result) {
      const base = transfers.result.find((d) => d.how === f.how && d.path === "direct")!;
      const share = ratio(f.mb_per_s, base.mb_per_s);
      if (f.path === "gateway") shares[f.how] = share;
      tCols.printRow([label[f.how], f.path, formatNumber(f.mb_per_s), f.seconds.join(" "), share.toFixed(2)]);
      if (f.first_failure) printNote(`${f.how} ${f.path}: ${f.failed} FAILED, first: ${f.first_failure}`);
    }
    const remoteSha = await remoteSha256(g, "gateway", file);
    printNote(`gateway CPU: ${transfers.cpu_ms_per_op} ms per MB; integrity: sha256 on the target of the file sent through the gateway ${remoteSha === sha ? "matches" : `DIFFERS (${remoteSha} vs ${sha})`}`);

    const stats = await gateway.stop();
    gateway = undefined;
    printNote(`gateway wrote ${stats.audit_records} audit records and logged ${stats.log_lines} lines${stats.log_lines > 0 ? `, first: ${stats.first_logs.join(" | ")}` : ""}`);

    const copyShare = Math.min(...Object.values(shares));
    const aims = {
      round_trip_ratio: rtRatio,
      round_trip_ratio_raw: rtRatioRaw,
      round_trip_met: rtRatio <= AIMS.round_trip_ratio_max,
      exec_on_open_connection_added_ms: execAdded,
      copy_shares: shares,
      copy_met: copyShare >= AIMS.copy_share_min,
      normalize_p99_us: norm.p99_us,
      normalize_median_per_command_p99_us: norm.median_per_command_p99_us,
      normalize_met: norm.median_per_command_p99_us <= AIMS.normalize_p99_us_max,
    };
    printSection("aims (issue 11)");
    printNote(`exec round trip within ${AIMS.round_trip_ratio_max}× of direct: ${rtRatio}× without the target's shell (a'), ${rtRatioRaw}× as measured with it (a) → ${met(aims.round_trip_met)}`);
    printNote(`exec on an open connection (b), no aim in the issue: +${execAdded} ms per exec through the gateway`);
    printNote(`copy throughput ≥ ${AIMS.copy_share_min} of direct: ${Object.entries(shares).map(([k, v]) => `${k} ${v}`).join(", ")} → ${met(aims.copy_met)}`);
    printNote(`normalization p99 ≤ ${AIMS.normalize_p99_us_max} µs: ${norm.median_per_command_p99_us} µs over each command's median (${norm.p99_us} µs over every call) → ${met(aims.normalize_met)}`);

    const failed = [...roundTrips, ...components, ...execs].reduce((n, f) => n + f.failed, 0) + transfers.result.reduce((n, f) => n + f.failed, 0) + (remoteSha === sha ? 0 : 1);
    const loadEnd = loads();
    const totalSeconds = round(usSince(began) / 1e6, 1);
    console.log(`\ndone in ${totalSeconds} s; load average at start ${loadStart.join(" ")}, at end ${loadEnd.join(" ")}${failed > 0 ? `; ${failed} operations FAILED` : ""}`);
    if (failed > 0) process.exitCode = 1;
    console.log(
      JSON.stringify({
        bench: "ssh",
        seconds_per_phase: SECONDS,
        cpus: cpus().length,
        node: process.version,
        openssh,
        load_average_start: loadStart,
        load_average_end: loadEnd,
        round_trips: roundTrips,
        sshpass_ms: sshpass,
        round_trip_parts: components,
        round_trip_shell_free_ms: shellFree,
        gateway_cpu_ms_per_round_trip: rt.cpu_ms_per_op,
        exec_channels: execs,
        gateway_cpu_ms_per_exec_channel: ex.cpu_ms_per_op,
        normalize: norm,
        transfer: { megabytes: MEGABYTES, sha256_matches: remoteSha === sha, gateway_cpu_ms_per_mb: transfers.cpu_ms_per_op, runs: transfers.result },
        gateway: stats,
        aims,
        failed,
        total_seconds: totalSeconds,
      }),
    );
  } finally {
    await gateway?.stop().catch(() => undefined);
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(`bench:ssh failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exitCode = 1;
});
