import { readFileSync } from "node:fs";

/** Linux reports process and host CPU time in clock ticks of USER_HZ, which is 100 on every mainstream build. */
const TICKS_PER_SECOND = 100;

/** What the kernel counts for one live process (all its threads unless noted). */
export interface ProcessCounters {
  userSeconds: number;
  systemSeconds: number;
  /** read-type and write-type system calls (read, recvfrom, … / write, writev, sendto, …). */
  readCalls: number;
  writeCalls: number;
  /** Main thread only: time runnable but waiting for a CPU (/proc/<pid>/schedstat), in seconds. */
  runQueueSeconds: number;
}

/** Reads /proc/<pid>/stat, /io and /schedstat; the process must be ours or we must be root. */
export function processCounters(pid: number): ProcessCounters {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // The command name (field 2) may hold spaces and parentheses: count fields after its closing one.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const io = readFileSync(`/proc/${pid}/io`, "utf8");
  const ioField = (name: string): number => Number(new RegExp(`^${name}: (\\d+)`, "m").exec(io)?.[1] ?? Number.NaN);
  const schedstat = readFileSync(`/proc/${pid}/schedstat`, "utf8").trim().split(" ");
  return {
    userSeconds: Number(fields[11]) / TICKS_PER_SECOND,
    systemSeconds: Number(fields[12]) / TICKS_PER_SECOND,
    readCalls: ioField("syscr"),
    writeCalls: ioField("syscw"),
    runQueueSeconds: Number(schedstat[1]) / 1e9,
  };
}

/** The difference between two readings of the same process. */
export function countersSince(before: ProcessCounters, after: ProcessCounters): ProcessCounters {
  return {
    userSeconds: after.userSeconds - before.userSeconds,
    systemSeconds: after.systemSeconds - before.systemSeconds,
    readCalls: after.readCalls - before.readCalls,
    writeCalls: after.writeCalls - before.writeCalls,
    runQueueSeconds: after.runQueueSeconds - before.runQueueSeconds,
  };
}

/** Busy and total CPU time of the whole machine (all CPUs), from /proc/stat. */
export interface HostCpu {
  busy: number;
  total: number;
}

export function hostCpu(): HostCpu {
  const line = readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "";
  const values = line.trim().split(/\s+/).slice(1).map(Number);
  const total = values.reduce((a, b) => a + b, 0);
  // idle and iowait are the two fields that are not work.
  const idle = (values[3] ?? 0) + (values[4] ?? 0);
  return { busy: total - idle, total };
}

/** The fraction of the machine's CPU capacity that was busy between two readings. */
export function busyFraction(before: HostCpu, after: HostCpu): number {
  const total = after.total - before.total;
  return total > 0 ? (after.busy - before.busy) / total : Number.NaN;
}
