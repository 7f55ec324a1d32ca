import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, existsSync, openSync, readFileSync } from "node:fs";

/** One long-running cluster program (etcd, kube-apiserver, kwok) whose output goes to a log file. */
export interface Daemon {
  name: string;
  pid: number;
  logPath: string;
  /** Resolves with the exit description when the program ends, whoever ended it. */
  exited: Promise<string>;
  /** The last lines of its log, for error messages. */
  logTail(lines?: number): string;
  /** Kills the program and everything it started (its process group) at once. */
  killNow(): void;
}

/**
 * Starts `program` in its own process group, so that killing the group also ends what it spawned
 * (kwok runs the commands of `kubectl exec` as its children). Output goes to a file, not a pipe: a
 * chatty apiserver must never block on a full pipe nobody reads.
 */
export function startDaemon(name: string, program: string, args: string[], logPath: string, env: NodeJS.ProcessEnv = process.env): Daemon {
  const out = openSync(logPath, "a");
  let child: ChildProcess;
  try {
    child = spawn(program, args, { stdio: ["ignore", out, out], detached: true, env });
  } finally {
    closeSync(out);
  }
  // A detached child would otherwise keep the test process alive until it ends.
  child.unref();
  const exited = new Promise<string>((resolve) => {
    child.on("error", (error) => resolve(`${name} could not start: ${error.message}`));
    child.on("exit", (code, signal) => resolve(`${name} exited (${signal ?? `code ${code}`})`));
  });
  const logTail = (lines = 30): string => (existsSync(logPath) ? readFileSync(logPath, "utf8").split("\n").slice(-lines - 1).join("\n") : "");
  return {
    name,
    pid: child.pid ?? -1,
    logPath,
    exited,
    logTail,
    killNow() {
      if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
      // Referenced again, so a caller awaiting `exited` keeps the process alive until it is reported.
      child.ref();
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        // the group is already gone
      }
    },
  };
}

/**
 * Polls `check` every `intervalMs` until it returns true; rejects when any daemon in `watch` exits
 * first (with its log) or after `timeoutMs`.
 */
export async function waitUntil(what: string, check: () => Promise<boolean>, watch: Daemon[], timeoutMs: number, intervalMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let died: string | undefined;
  const watching = watch.map((d) => d.exited.then((how) => (died ??= `${how}\n${d.logTail()}`)));
  void Promise.all(watching);
  for (;;) {
    if (died !== undefined) throw new Error(`waiting for ${what}: ${died}`);
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) {
      throw new Error(`waiting for ${what}: not ready after ${timeoutMs} ms\n${watch.map((d) => `--- ${d.name} (${d.logPath})\n${d.logTail()}`).join("\n")}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/**
 * A watchdog for when the test process is killed outright (the test runner's timeout sends SIGKILL,
 * and no exit hook runs then): a small shell, outside this process's group, that waits for this
 * process to disappear, then kills the daemons' process groups and removes the cluster directory.
 * `stop()` ends it first; it costs one `sleep` a second.
 */
export function startReaper(daemons: Daemon[], dir: string): { stop(): void } {
  const groups = daemons.map((d) => `-${d.pid}`).join(" ");
  const script = `while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done; kill -9 ${groups} 2>/dev/null; rm -rf '${dir.replaceAll("'", "'\\''")}'`;
  const child = spawn("sh", ["-c", script], { stdio: "ignore", detached: true });
  child.unref();
  return {
    stop() {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
      } catch {
        // already gone
      }
    },
  };
}
