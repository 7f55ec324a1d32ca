import { spawn, type ChildProcess } from "node:child_process";
import { get } from "node:http";
import { opaPath } from "../../engine/policy/opa-cli.js";
import { freePort } from "../support/free-port.js";

/** A running `opa run --server` on loopback, serving the given policy directory. */
export interface OpaServer {
  port: number;
  stop: () => Promise<void>;
}

const live = new Set<ChildProcess>();
const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

function killAll(): void {
  for (const child of live) child.kill("SIGKILL");
}

function onSignal(signal: NodeJS.Signals): void {
  killAll();
  process.exit(128 + (signal === "SIGINT" ? 2 : signal === "SIGTERM" ? 15 : 1));
}

/** While a server runs, no exit path (error, Ctrl-C, kill) leaves it behind; afterwards signals act as usual. */
function track(child: ChildProcess): void {
  if (live.size === 0) {
    process.on("exit", killAll);
    for (const signal of SIGNALS) process.on(signal, onSignal);
  }
  live.add(child);
}

function untrack(child: ChildProcess): void {
  if (!live.delete(child) || live.size > 0) return;
  process.off("exit", killAll);
  for (const signal of SIGNALS) process.off(signal, onSignal);
}

function healthy(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const request = get({ host: "127.0.0.1", port, path: "/health", timeout: 1000 }, (response) => {
      response.resume();
      resolve(response.statusCode === 200);
    });
    request.on("timeout", () => request.destroy());
    request.on("error", () => resolve(false));
  });
}

export async function startOpaServer(policyDir: string, timeoutMs = 30_000): Promise<OpaServer> {
  const port = await freePort();
  const args = ["run", "--server", "--addr", `127.0.0.1:${port}`, "--log-level", "error", "--skip-version-check", "--shutdown-grace-period", "1", policyDir];
  const child = spawn(opaPath(), args, { stdio: ["ignore", "ignore", "pipe"] });
  track(child);
  let stderr = "";
  child.stderr?.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  let exited: string | undefined;
  const done = new Promise<void>((resolve) => {
    child.on("error", (error) => {
      exited = `could not start ${opaPath()}: ${error.message}`;
      untrack(child);
      resolve();
    });
    child.on("exit", (code, signal) => {
      exited ??= `opa exited (${signal ?? code})`;
      untrack(child);
      resolve();
    });
  });
  const stop = async (): Promise<void> => {
    if (!live.has(child)) return;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
    await done;
    clearTimeout(timer);
  };
  const deadline = Date.now() + timeoutMs;
  while (!(await healthy(port))) {
    if (exited) throw new Error(`${exited} before it became healthy: ${stderr.trim()}`);
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`opa server on port ${port} not healthy after ${timeoutMs} ms: ${stderr.trim()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { port, stop };
}
