/**
 * The SSH gateway under benchmark as a process of its own (its CPU is then not shared with the bench's
 * ssh2 clients' event loop): a whole gateway (default policy, audit log, recordings) in front of a
 * throwaway sshd, as the tests start it. Answers with one `READY {json}` line: the gateway's port,
 * sshd's port and user, the key sshd accepts, and a token for alice; on SIGTERM it closes, prints
 * `STATS {json}` (audit records written, log lines) and exits.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { startSshGateway } from "../../test/support/ssh-gateway.js";

export interface GatewayReady {
  port: number;
  sshd: { host: string; port: number; user: string };
  /** The key file sshd accepts (the gateway's own upstream key), for the direct runs. */
  keyFile: string;
  token: string;
}

export interface GatewayStats {
  audit_records: number;
  log_lines: number;
  first_logs: string[];
}

async function main(): Promise<void> {
  const g = await startSshGateway();
  const ready: GatewayReady = { port: g.port, sshd: { host: g.sshd.host, port: g.sshd.port, user: g.sshd.user }, keyFile: join(g.dir, "web.key"), token: await g.token() };
  process.stdout.write(`READY ${JSON.stringify(ready)}\n`);
  let stopping = false;
  process.on("SIGTERM", () => {
    if (stopping) return;
    stopping = true;
    void (async () => {
      let records = 0;
      try {
        records = readFileSync(join(g.dir, "audit.log"), "utf8").split("\n").filter((l) => l.length > 0).length;
      } catch {
        records = -1;
      }
      await g.stop();
      const stats: GatewayStats = { audit_records: records, log_lines: g.logs.length, first_logs: g.logs.slice(0, 5) };
      process.stdout.write(`STATS ${JSON.stringify(stats)}\n`);
      process.exit(0);
    })();
  });
}

main().catch((error: unknown) => {
  console.error(`gateway-child failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
});
