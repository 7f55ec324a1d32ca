import { execFileSync } from "node:child_process";
import { closeSync, fdatasyncSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { summarize, usSince, type Summary } from "../support/stats.js";

export interface FsyncLatency {
  dir: string;
  filesystem: string;
  /** write at the end of a growing file, then fdatasync: what an append-only log does. */
  append: Summary;
  /** write over bytes already written and synced, then fdatasync: the file's size and extents do not change. */
  overwrite: Summary;
}

const WARM_UP = 10;

/** Times `count` rounds of (write `line` at the position `at(i)` gives, or at the end; fdatasync). */
function timeSyncs(path: string, flags: string, line: Buffer, count: number, at?: (i: number) => number): Summary {
  const fd = openSync(path, flags);
  try {
    const round = (i: number): void => {
      if (at) writeSync(fd, line, 0, line.length, at(i));
      else writeSync(fd, line);
      fdatasyncSync(fd);
    };
    for (let i = 0; i < WARM_UP; i++) round(i);
    const latencies = new Float64Array(count);
    const start = process.hrtime.bigint();
    for (let i = 0; i < count; i++) {
      const t = process.hrtime.bigint();
      round(i);
      latencies[i] = usSince(t);
    }
    return summarize(latencies, usSince(start) / 1e6);
  } finally {
    closeSync(fd);
  }
}

/**
 * How long one durable record takes in the temporary directory (where the bench's audit log lives):
 * `bytes` appended to a file then fdatasync, `count` times after a few warm-up rounds; and the same
 * writes over a region written and synced beforehand, where fdatasync has no size or extent change
 * (metadata) to commit.
 */
export function measureFdatasync(count: number, bytes = 600): FsyncLatency {
  const dir = mkdtempSync(join(tmpdir(), "portcullis-fsync-"));
  try {
    const line = Buffer.from(`${"x".repeat(bytes - 1)}\n`);
    const append = timeSyncs(join(dir, "append.log"), "a", line, count);
    const prewritten = join(dir, "prewritten.log");
    const fd = openSync(prewritten, "w");
    writeSync(fd, Buffer.alloc(bytes * (count + WARM_UP)));
    fdatasyncSync(fd);
    closeSync(fd);
    const overwrite = timeSyncs(prewritten, "r+", line, count, (i) => i * bytes);
    return { dir: tmpdir(), filesystem: filesystemOf(dir), append, overwrite };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function filesystemOf(dir: string): string {
  try {
    const [type, source, options] = execFileSync("findmnt", ["-n", "-o", "FSTYPE,SOURCE,OPTIONS", "--target", dir], { encoding: "utf8" }).trim().split(/\s+/);
    return `${type ?? "?"} on ${source ?? "?"} (${options ?? ""})`;
  } catch {
    return "unknown";
  }
}
