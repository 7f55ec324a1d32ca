import { createHash, randomBytes } from "node:crypto";
import { closeSync, openSync, writeSync } from "node:fs";
import { round } from "../support/stats.js";
import type { GatewayReady } from "./gateway-child.js";
import { scpUpload, sshCommand, type Finished, type SshPath } from "./openssh.js";

export type TransferHow = "exec cat" | "exec dd" | "scp -O";

export interface TransferFigures {
  how: TransferHow;
  path: SshPath;
  runs: number;
  /**
   * The best of the runs (the least disturbed by the other work on this machine): bytes over the
   * client's wall time, or for dd, over the time dd itself reports (from its start on the target to
   * the end of its input: no connection, login or shell startup in it).
   */
  mb_per_s: number;
  seconds: number[];
  failed: number;
  first_failure?: string;
}

/** Writes `bytes` of random data (incompressible) to `file`; returns its SHA-256. */
export function writeRandomFile(file: string, bytes: number): string {
  const hash = createHash("sha256");
  const fd = openSync(file, "w");
  try {
    for (let left = bytes; left > 0; ) {
      const chunk = randomBytes(Math.min(left, 1 << 20));
      hash.update(chunk);
      writeSync(fd, chunk);
      left -= chunk.length;
    }
  } finally {
    closeSync(fd);
  }
  return hash.digest("hex");
}

/** GNU dd's closing line on stderr: `N bytes (…) copied, S s, R MB/s`. */
function ddSeconds(stderr: string): number | undefined {
  const m = /copied, ([\d.]+) s/.exec(stderr);
  return m ? Number(m[1]) : undefined;
}

/**
 * `ssh HOST 'cat > /dev/null' < FILE`, the same with `dd of=/dev/null`, and `scp -O FILE HOST:/dev/null`
 * on each path, `runs` times, alternating paths so load drift is shared.
 */
export async function benchTransfers(g: GatewayReady, file: string, bytes: number, paths: readonly SshPath[], runs: number): Promise<TransferFigures[]> {
  const figures: TransferFigures[] = [];
  for (const how of ["exec cat", "exec dd", "scp -O"] as const) {
    const results = new Map<SshPath, Finished[]>(paths.map((p) => [p, []]));
    for (let i = 0; i < runs; i++) {
      for (const path of paths) {
        const r = how === "scp -O" ? await scpUpload(path, g, file, "/dev/null") : await sshCommand(path, g, how === "exec cat" ? "cat > /dev/null" : "dd of=/dev/null bs=64k", file);
        const own = how === "exec dd" ? ddSeconds(r.stderr) : r.seconds;
        results.get(path)!.push(own === undefined ? { ...r, code: r.code === 0 ? -2 : r.code } : { ...r, seconds: own });
      }
    }
    for (const path of paths) {
      const all = results.get(path)!;
      const ok = all.filter((r) => r.code === 0);
      const failed = all.filter((r) => r.code !== 0);
      const best = Math.min(...ok.map((r) => r.seconds));
      figures.push({
        how,
        path,
        runs,
        mb_per_s: ok.length > 0 ? round(bytes / 1e6 / best, 1) : 0,
        seconds: all.map((r) => round(r.seconds, 2)),
        failed: failed.length,
        ...(failed[0] ? { first_failure: `exit ${failed[0].code}: ${failed[0].stderr.trim()}` } : {}),
      });
    }
  }
  return figures;
}

/** The SHA-256 the target computed of FILE sent through `path` (`sha256sum` on stdin), for integrity. */
export async function remoteSha256(g: GatewayReady, path: SshPath, file: string): Promise<string> {
  const r = await sshCommand(path, g, "sha256sum", file);
  return r.stdout.split(/\s+/)[0] ?? `exit ${r.code}: ${r.stderr.trim()}`;
}
