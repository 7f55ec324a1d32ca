import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import type { BenchIdentity } from "./identities.js";
import type { GatewayChildConfig } from "./gateway-child.js";

const CHILD = fileURLToPath(new URL("./gateway-child.js", import.meta.url));
const READY_TIMEOUT_MS = 60_000;

export interface GatewayProcess {
  port: number;
  pid: number;
  tokens: Record<BenchIdentity, string>;
  /** Stops the gateway (SIGTERM) and returns what it reported on the way out. */
  stop(): Promise<GatewayStats>;
}

export interface GatewayStats {
  events: Record<string, number>;
  log_lines: number;
  first_logs: string[];
}

/**
 * Starts bench/postgres/gateway-child.js as a separate Node.js process (`nodeFlags` such as
 * `--cpu-prof` go before the script) and waits for its READY line.
 */
export function startGatewayProcess(config: GatewayChildConfig, nodeFlags: string[] = []): Promise<GatewayProcess> {
  const child = spawn(process.execPath, [...nodeFlags, CHILD], { stdio: ["pipe", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const lines = createInterface({ input: child.stdout });
  let stats: GatewayStats = { events: {}, log_lines: 0, first_logs: [] };
  // "close" comes after the child's output has ended, so its last line has been read by then.
  const exited = new Promise<number>((resolve) => child.once("close", (code) => resolve(code ?? -1)));
  child.stdin.end(JSON.stringify(config));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`the gateway did not start within ${READY_TIMEOUT_MS} ms:\n${stderr}`));
    }, READY_TIMEOUT_MS);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`the gateway exited (code ${code}) before it was ready:\n${stderr}`));
    });
    lines.on("line", (line) => {
      if (line.startsWith("STATS ")) stats = JSON.parse(line.slice(6)) as GatewayStats;
      if (!line.startsWith("READY ")) return;
      clearTimeout(timer);
      const ready = JSON.parse(line.slice(6)) as { port: number; tokens: Record<BenchIdentity, string> };
      resolve({
        port: ready.port,
        pid: child.pid ?? -1,
        tokens: ready.tokens,
        async stop() {
          child.kill("SIGTERM");
          const code = await exited;
          if (code !== 0) throw new Error(`the gateway exited with code ${code}:\n${stderr}`);
          return stats;
        },
      });
    });
  });
}
