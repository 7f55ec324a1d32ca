/**
 * Exec channels on one already-open connection, with ssh2's Client in this process: the cost of one
 * request (channel open, exec, output, exit status, close) without a connection's handshake. Through
 * the gateway each one is also decided, audited and opened on the gateway's upstream connection.
 */
import { readFileSync } from "node:fs";
import ssh2 from "ssh2";
import type { Client } from "ssh2";
import type { GatewayReady } from "./gateway-child.js";
import { Rounds, targetShellMs } from "./samples.js";
import { TARGET_SHELL } from "./round-trips.js";

/** Opens one connection straight to sshd (key) or through the gateway (token as the password), with TCP_NODELAY on this side. */
export function connectClient(path: "direct" | "gateway", g: GatewayReady): Promise<Client> {
  const client = new ssh2.Client();
  const login = path === "direct" ? { port: g.sshd.port, username: g.sshd.user, privateKey: readFileSync(g.keyFile) } : { port: g.port, username: "alice+web", password: g.token };
  return new Promise((resolve, reject) => {
    client.once("ready", () => resolve(client));
    client.once("error", reject);
    client.connect({ host: "127.0.0.1", readyTimeout: 20_000, ...login });
    // ssh2 writes each SSH packet on its own; without TCP_NODELAY this client's own Nagle delays
    // would be charged to whichever server it talks to (OpenSSH's client coalesces its writes).
    client.setNoDelay(true);
  });
}

/** Runs `command` on one exec channel; resolves with its stdout once its exit status and close came. */
function execOnce(client: Client, command: string): Promise<{ stdout: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    client.exec(command, (error, channel) => {
      if (error) return reject(error);
      let stdout = "";
      let code: number | null = null;
      channel.on("data", (d: Buffer) => (stdout += d.toString()));
      channel.stderr.resume();
      channel.on("exit", (c: number | null) => (code = c));
      channel.once("close", () => resolve({ stdout, code }));
    });
  });
}

/**
 * In rounds until `seconds` have passed: `echo ok` on the direct connection, then on the gateway's,
 * then the target's shell startup alone. An exec fails unless it printed `ok` and exited 0.
 */
export async function benchExecChannels(g: GatewayReady, seconds: number): Promise<Rounds> {
  const clients = { direct: await connectClient("direct", g), gateway: await connectClient("gateway", g) };
  const rounds = new Rounds();
  try {
    const deadline = Date.now() + seconds * 1000;
    while (Date.now() < deadline) {
      for (const [path, client] of Object.entries(clients)) {
        const start = process.hrtime.bigint();
        const r = await execOnce(client, "echo ok").catch((error: Error) => ({ stdout: error.message, code: -1 }));
        rounds.add(path, Number(process.hrtime.bigint() - start) / 1e6, r.code === 0 && r.stdout === "ok\n" ? undefined : `exit ${r.code}: ${r.stdout}`);
      }
      const shell = await targetShellMs();
      rounds.add(TARGET_SHELL, shell.ms, shell.failure);
    }
  } finally {
    clients.direct.end();
    clients.gateway.end();
  }
  return rounds;
}
