import { execFileSync, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { appendFileSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { freePort } from "./free-port.js";

/**
 * A throwaway PostgreSQL server for tests, benchmarks and the `npm start` demo: its own cluster in a fresh temporary directory, listening
 * only on 127.0.0.1 on a free port, password (SCRAM-SHA-256) authentication for every connection, and
 * gone (server stopped, directory removed) after `stop()`.
 *
 * PostgreSQL refuses to run as root. When the tests run as root the server programs run as the
 * unprivileged `postgres` system user (created here if the machine lacks it), and the directory is
 * handed to that user; otherwise they run as the current user.
 */

export interface PostgresUser {
  name: string;
  password: string;
  superuser?: boolean;
}

export interface PostgresOptions {
  /** Login roles created after start, before `initSql`. */
  users?: PostgresUser[];
  /** Run by the superuser in `database` once the server and `users` are up (several statements allowed). */
  initSql?: string;
  /** Extra postgresql.conf settings (name → value); they win over the harness's own. */
  settings?: Record<string, string>;
}

/** Who to connect as; each field defaults to the superuser, its password and the default database. */
export interface ConnectAs {
  user?: string;
  password?: string;
  database?: string;
}

export interface PsqlOptions extends ConnectAs {
  /** psql flags that replace the default output format `-A -t -q` (unaligned, tuples only, quiet). */
  args?: string[];
}

export interface PsqlResult {
  stdout: string;
  stderr: string;
  code: number;
}

export interface RunningPostgres {
  host: "127.0.0.1";
  port: number;
  superuser: string;
  password: string;
  database: string;
  /** The cluster's data directory (inside the temporary directory removed by `stop()`). */
  dataDir: string;
  /** The superuser's connection URL. */
  url: string;
  /** The directory of the server programs used (initdb, pg_ctl, postgres, psql, pgbench). */
  bindir: string;
  /** Runs SQL through the real `psql` over TCP with PGPASSWORD, as a user would; never rejects on SQL errors. */
  psql(sql: string, options?: PsqlOptions): Promise<PsqlResult>;
  /** One statement through node-postgres on a connection opened and closed for it. */
  query<R extends pg.QueryResultRow = Record<string, unknown>>(sql: string, params?: unknown[], as?: ConnectAs): Promise<pg.QueryResult<R>>;
  /** A connected node-postgres client; the caller ends it. */
  connect(as?: ConnectAs): Promise<pg.Client>;
  /** Creates a login role with a SCRAM-SHA-256 password. */
  createRole(name: string, password: string, options?: { superuser?: boolean }): Promise<void>;
  /** Stops the server (fast shutdown) and removes its directory. Safe to call more than once. */
  stop(): Promise<void>;
}

const SUPERUSER = "postgres";
const DATABASE = "postgres";
const SERVER_USER = "postgres";
const START_ATTEMPTS = 3;

interface ServerAccount {
  uid: number;
  gid: number;
}

/** Starts a fresh PostgreSQL server; see the module comment. */
export async function startPostgres(options: PostgresOptions = {}): Promise<RunningPostgres> {
  const bindir = postgresBindir();
  const account = serverAccount();
  const base = mkdtempSync(join(tmpdir(), "portcullis-pg-"));
  const dataDir = join(base, "data");
  const password = randomBytes(18).toString("base64url");
  let started = false;
  try {
    if (account) chownSync(base, account.uid, account.gid);
    initCluster(bindir, account, base, dataDir, password, options.settings ?? {});
    const port = await startServer(bindir, account, base, dataDir);
    started = true;
    const running = runningServer(bindir, account, base, dataDir, port, password);
    for (const user of options.users ?? []) await running.createRole(user.name, user.password, { superuser: user.superuser ?? false });
    if (options.initSql !== undefined) await running.query(options.initSql);
    return running;
  } catch (error) {
    if (started) runAs(bindir, account, base, "pg_ctl", ["-D", dataDir, "-m", "immediate", "-w", "stop"]);
    rmSync(base, { recursive: true, force: true });
    throw error;
  }
}

/** `pg_config --bindir` when it holds a server, else the newest /usr/lib/postgresql/<major>/bin. */
function postgresBindir(): string {
  const hasServer = (dir: string): boolean => ["initdb", "pg_ctl", "postgres", "psql"].every((p) => existsSync(join(dir, p)));
  try {
    const dir = execFileSync("pg_config", ["--bindir"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    if (hasServer(dir)) return dir;
  } catch {
    // no pg_config on PATH: look in the Debian layout below
  }
  const root = "/usr/lib/postgresql";
  const majors = existsSync(root) ? readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a)) : [];
  for (const major of majors) if (hasServer(join(root, major, "bin"))) return join(root, major, "bin");
  throw new Error("startPostgres: no PostgreSQL server binaries found (run `npm run setup`, which installs them)");
}

/** The account the server programs run as: undefined means "this process's own" (not root). */
function serverAccount(): ServerAccount | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string): number => Number(execFileSync("id", [flag, SERVER_USER], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim());
  try {
    return { uid: id("-u"), gid: id("-g") };
  } catch {
    execFileSync("useradd", ["--system", "--user-group", "--no-create-home", "--home-dir", "/nonexistent", "--shell", "/usr/sbin/nologin", SERVER_USER]);
    return { uid: id("-u"), gid: id("-g") };
  }
}

/**
 * Runs one server program synchronously, as the server account when we are root. Node drops the
 * supplementary groups when it changes uid/gid, so the program holds no root privilege at all.
 */
function runAs(bindir: string, account: ServerAccount | undefined, cwd: string, program: string, args: string[]): { ok: boolean; output: string } {
  const result = spawnSync(join(bindir, program), args, {
    cwd,
    encoding: "utf8",
    env: withoutLibpqEnvironment(),
    timeout: 60_000,
    ...(account ? { uid: account.uid, gid: account.gid } : {}),
  });
  return { ok: result.status === 0, output: `${result.stdout ?? ""}${result.stderr ?? ""}${result.error ? String(result.error) : ""}` };
}

/** PG* variables from the caller's shell would redirect or reconfigure our clients and servers. */
function withoutLibpqEnvironment(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("PG")));
}

function initCluster(bindir: string, account: ServerAccount | undefined, base: string, dataDir: string, password: string, settings: Record<string, string>): void {
  const pwfile = join(base, "superuser-password");
  writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  if (account) chownSync(pwfile, account.uid, account.gid);
  const init = runAs(bindir, account, base, "initdb", [
    "-D", dataDir, "-U", SUPERUSER, `--pwfile=${pwfile}`, "--auth=scram-sha-256",
    "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions",
  ]);
  rmSync(pwfile, { force: true });
  if (!init.ok) throw new Error(`startPostgres: initdb failed:\n${init.output}`);
  // Only password logins: over the socket in our directory and over TCP from loopback, nothing else.
  writeFileSync(join(dataDir, "pg_hba.conf"), "local all all scram-sha-256\nhost all all 127.0.0.1/32 scram-sha-256\n");
  const conf: Record<string, string> = {
    listen_addresses: "127.0.0.1",
    unix_socket_directories: base,
    // A test cluster is thrown away, so durability buys nothing and costs start-up and run time.
    fsync: "off",
    synchronous_commit: "off",
    full_page_writes: "off",
    password_encryption: "scram-sha-256",
    ...settings,
  };
  appendFileSync(join(dataDir, "postgresql.conf"), Object.entries(conf).map(([k, v]) => `${k} = '${v.replaceAll("'", "''")}'\n`).join(""));
}

/** Starts the server on a free port; a port taken between choosing and binding is retried with another. */
async function startServer(bindir: string, account: ServerAccount | undefined, base: string, dataDir: string): Promise<number> {
  const log = join(base, "server.log");
  let output = "";
  for (let attempt = 0; attempt < START_ATTEMPTS; attempt++) {
    const port = await freePort();
    const start = runAs(bindir, account, base, "pg_ctl", ["-D", dataDir, "-l", log, "-o", `-p ${port}`, "-w", "-t", "30", "-s", "start"]);
    if (start.ok) return port;
    output = `${start.output}${existsSync(log) ? readFileSync(log, "utf8") : ""}`;
  }
  throw new Error(`startPostgres: the server did not start:\n${output}`);
}

const running = new Set<{ stopNow(): void }>();
let exitHookInstalled = false;

/** A test that crashes or forgets stop() must not leave a server behind when its process exits. */
function stopAllOnExit(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const server of running) server.stopNow();
  });
}

function runningServer(bindir: string, account: ServerAccount | undefined, base: string, dataDir: string, port: number, password: string): RunningPostgres {
  const host = "127.0.0.1" as const;
  // Only the superuser's password is known here; another role without one gets none (and is refused).
  const login = (as: ConnectAs = {}): Login => ({
    host,
    port,
    user: as.user ?? SUPERUSER,
    password: as.password ?? (as.user === undefined || as.user === SUPERUSER ? password : ""),
    database: as.database ?? DATABASE,
  });
  const connect = async (as?: ConnectAs): Promise<pg.Client> => {
    const client = new pg.Client({ ...login(as), connectionTimeoutMillis: 10_000 });
    await client.connect();
    return client;
  };
  const query = async <R extends pg.QueryResultRow>(sql: string, params?: unknown[], as?: ConnectAs): Promise<pg.QueryResult<R>> => {
    const client = await connect(as);
    try {
      return await client.query<R>(sql, params);
    } finally {
      await client.end();
    }
  };
  const handle = {
    stopNow(): void {
      running.delete(handle);
      runAs(bindir, account, base, "pg_ctl", ["-D", dataDir, "-m", "fast", "-w", "-t", "30", "stop"]);
      rmSync(base, { recursive: true, force: true });
    },
  };
  running.add(handle);
  stopAllOnExit();
  let stopped: Promise<void> | undefined;
  return {
    host,
    port,
    superuser: SUPERUSER,
    password,
    database: DATABASE,
    dataDir,
    url: `postgresql://${SUPERUSER}:${encodeURIComponent(password)}@${host}:${port}/${DATABASE}`,
    bindir,
    psql: (sql, options = {}) => runPsql(bindir, login(options), sql, options.args),
    query,
    connect,
    async createRole(name, rolePassword, options = {}) {
      const client = await connect();
      try {
        await client.query(`CREATE ROLE ${client.escapeIdentifier(name)} LOGIN ${options.superuser ? "SUPERUSER" : ""} PASSWORD ${client.escapeLiteral(rolePassword)}`);
      } finally {
        await client.end();
      }
    },
    stop() {
      stopped ??= Promise.resolve().then(() => handle.stopNow());
      return stopped;
    },
  };
}

interface Login {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
}

function runPsql(bindir: string, to: Login, sql: string, args?: string[]): Promise<PsqlResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      join(bindir, "psql"),
      ["-X", "-v", "ON_ERROR_STOP=1", ...(args ?? ["-A", "-t", "-q"]), "-h", to.host, "-p", String(to.port), "-U", to.user, "-d", to.database, "-f", "-"],
      { env: { ...withoutLibpqEnvironment(), PGPASSWORD: to.password, PGCONNECT_TIMEOUT: "10" }, stdio: ["pipe", "pipe", "pipe"] },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ stdout, stderr, code: code ?? -1 }));
    child.stdin.end(sql);
  });
}
