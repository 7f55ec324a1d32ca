import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const CHILD = fileURLToPath(new URL("./pipe-proxy-child.js", import.meta.url));

export interface PipeProxy {
  port: number;
  pid: number;
  stop(): Promise<void>;
}

/** Starts the do-nothing pipe proxy (pipe-proxy-child.ts) in front of `host:port` as a process of its own. */
export function startPipeProxy(host: string, port: number): Promise<PipeProxy> {
  const child = spawn(process.execPath, [CHILD, host, String(port)], { stdio: ["ignore", "pipe", "inherit"] });
  const exited = new Promise<void>((resolve) => child.once("close", () => resolve()));
  return new Promise((resolve, reject) => {
    void exited.then(() => reject(new Error("the pipe proxy exited before it was ready")));
    createInterface({ input: child.stdout }).on("line", (line) => {
      if (!line.startsWith("READY ")) return;
      const ready = JSON.parse(line.slice(6)) as { port: number };
      resolve({
        port: ready.port,
        pid: child.pid ?? -1,
        async stop() {
          child.kill("SIGTERM");
          await exited;
        },
      });
    });
  });
}
