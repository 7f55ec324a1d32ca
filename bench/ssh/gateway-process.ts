import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import type { GatewayReady, GatewayStats } from "./gateway-child.js";

const CHILD = fileURLToPath(new URL("./gateway-child.js", import.meta.url));

export interface SshGatewayProcess extends GatewayReady {
  pid: number;
  /** SIGTERM, then what the child reported on its way out. */
  stop(): Promise<GatewayStats>;
}

/** Starts bench/ssh/gateway-child.js and resolves on its READY line (rejects if it exits or takes 60 s). */
export async function startSshGatewayProcess(): Promise<SshGatewayProcess> {
  const child = spawn(process.execPath, [CHILD], { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const closed = new Promise<number>((resolve) => child.once("close", (code) => resolve(code ?? -1)));
  let stats: GatewayStats | undefined;
  let ready: (line: GatewayReady) => void = () => undefined;
  const readyLine = new Promise<GatewayReady>((resolve) => (ready = resolve));
  createInterface({ input: child.stdout }).on("line", (line) => {
    if (line.startsWith("READY ")) ready(JSON.parse(line.slice(6)) as GatewayReady);
    else if (line.startsWith("STATS ")) stats = JSON.parse(line.slice(6)) as GatewayStats;
  });
  let timer: NodeJS.Timeout | undefined;
  const failed = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`the SSH gateway did not start within 60 s:\n${stderr}`)), 60_000);
    void closed.then((code) => reject(new Error(`the SSH gateway exited (code ${code}):\n${stderr}`)));
  });
  failed.catch(() => child.kill("SIGKILL"));
  const info = await Promise.race([readyLine, failed]).finally(() => clearTimeout(timer));
  return {
    ...info,
    pid: child.pid ?? -1,
    async stop() {
      child.kill("SIGTERM");
      await closed;
      if (!stats) throw new Error(`the SSH gateway stopped without its STATS line:\n${stderr}`);
      return stats;
    },
  };
}
