import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../support/free-port.js";
import { waitForPort } from "../support/wait-port.js";

const PGBOUNCER = "/usr/sbin/pgbouncer";

/** Database names clients use through PgBouncer: one pooled per transaction, one per session. */
export const POOLED_TRANSACTION = "bench";
export const POOLED_SESSION = "bench_session";

export interface RunningPgBouncer {
  port: number;
  pid: number;
  version: string;
  stop(): Promise<void>;
}

export interface PgBouncerOptions {
  serverPort: number;
  database: string;
  user: string;
  /** The role's SCRAM secret as stored in pg_authid: PgBouncer verifies clients and logs in upstream with it. */
  scramSecret: string;
  poolSize: number;
}

/**
 * PgBouncer (the Debian package's binary) on a free loopback port in front of the server, with a
 * transaction-pooled and a session-pooled entry for the same database. Runs as the `postgres` system
 * user when we are root, since it refuses to run as root.
 */
export async function startPgBouncer(options: PgBouncerOptions): Promise<RunningPgBouncer> {
  if (!existsSync(PGBOUNCER)) throw new Error(`${PGBOUNCER} is missing: run \`npm run setup\`, which installs PgBouncer`);
  const version = execFileSync(PGBOUNCER, ["--version"], { encoding: "utf8" }).split("\n")[0]?.trim() ?? "unknown";
  const account = process.getuid?.() === 0 ? systemAccount("postgres") : undefined;
  const dir = mkdtempSync(join(tmpdir(), "portcullis-pgbouncer-"));
  const port = await freePort();
  const server = `host=127.0.0.1 port=${options.serverPort} dbname=${options.database}`;
  writeFileSync(join(dir, "userlist.txt"), `"${options.user}" "${options.scramSecret}"\n`, { mode: 0o600 });
  writeFileSync(
    join(dir, "pgbouncer.ini"),
    [
      "[databases]",
      `${POOLED_TRANSACTION} = ${server} pool_mode=transaction`,
      `${POOLED_SESSION} = ${server} pool_mode=session`,
      "[pgbouncer]",
      "listen_addr = 127.0.0.1",
      `listen_port = ${port}`,
      "unix_socket_dir =",
      "auth_type = scram-sha-256",
      `auth_file = ${join(dir, "userlist.txt")}`,
      `logfile = ${join(dir, "pgbouncer.log")}`,
      `default_pool_size = ${options.poolSize}`,
      "max_client_conn = 500",
      "server_tls_sslmode = disable",
      "ignore_startup_parameters = extra_float_digits",
      "log_connections = 0",
      "log_disconnections = 0",
      "",
    ].join("\n"),
  );
  if (account) for (const file of ["", "userlist.txt", "pgbouncer.ini"]) chownSync(join(dir, file), account.uid, account.gid);
  const child: ChildProcess = spawn(PGBOUNCER, [join(dir, "pgbouncer.ini")], { stdio: ["ignore", "ignore", "pipe"], ...(account ?? {}) });
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const cleanUp = (): void => rmSync(dir, { recursive: true, force: true });
  try {
    await Promise.race([waitForPort(port, 10_000), exited.then(() => Promise.reject(new Error("pgbouncer exited")))]);
  } catch (error) {
    child.kill("SIGKILL");
    const log = existsSync(join(dir, "pgbouncer.log")) ? readFileSync(join(dir, "pgbouncer.log"), "utf8") : "";
    cleanUp();
    throw new Error(`PgBouncer did not start (${String(error)}):\n${stderr}${log}`);
  }
  return {
    port,
    pid: child.pid ?? -1,
    version,
    async stop() {
      // SIGTERM is PgBouncer's immediate shutdown.
      if (child.exitCode === null) child.kill("SIGTERM");
      await exited;
      cleanUp();
    },
  };
}

function systemAccount(name: string): { uid: number; gid: number } {
  const id = (flag: string): number => Number(execFileSync("id", [flag, name], { encoding: "utf8" }).trim());
  return { uid: id("-u"), gid: id("-g") };
}
