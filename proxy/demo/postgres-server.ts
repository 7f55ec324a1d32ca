import { execFileSync, spawn, spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { appendFileSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
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
    const template = await clusterTemplate(bindir, account);
    await copyCluster(template, account, base, dataDir, options.settings ?? {});
    const port = await startServer(bindir, account, base, dataDir);
    started = true;
    // The copy still has the template's superuser password: replace it with this server's own.
    const setup = new pg.Client({ host: "127.0.0.1", port, user: SUPERUSER, password: template.password, database: DATABASE });
    await setup.connect();
    try {
      await setup.query(`ALTER ROLE ${SUPERUSER} PASSWORD ${setup.escapeLiteral(password)}`);
    } finally {
      await setup.end();
    }
    const running = runningServer(bindir, account, base, dataDir, port, password);
    for (const user of options.users ?? []) await running.createRole(user.name, user.password, { superuser: user.superuser ?? false });
    if (options.initSql !== undefined) await running.query(options.initSql);
    return running;
  } catch (error) {
    if (started) await runAs(account, base, join(bindir, "pg_ctl"), ["-D", dataDir, "-m", "immediate", "-w", "stop"]);
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
 * Runs one program, as the server account when we are root. Node drops the supplementary groups when
 * it changes uid/gid, so the program holds no root privilege at all.
 */
function runAs(account: ServerAccount | undefined, cwd: string, program: string, args: string[]): Promise<{ ok: boolean; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(program, args, { ...programOptions(account, cwd), stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (output += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (output += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.on("error", (error) => (output += String(error)));
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ ok: code === 0, output });
    });
  });
}

/** The same, blocking: only for the exit hook, where nothing asynchronous runs any more. */
function runAsNow(account: ServerAccount | undefined, cwd: string, program: string, args: string[]): void {
  spawnSync(program, args, { ...programOptions(account, cwd), stdio: "ignore", timeout: 60_000 });
}

function programOptions(account: ServerAccount | undefined, cwd: string): { cwd: string; env: NodeJS.ProcessEnv; uid?: number; gid?: number } {
  return { cwd, env: withoutLibpqEnvironment(), ...(account ? { uid: account.uid, gid: account.gid } : {}) };
}

/** PG* variables from the caller's shell would redirect or reconfigure our clients and servers. */
function withoutLibpqEnvironment(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("PG")));
}

interface ClusterTemplate {
  dataDir: string;
  password: string;
}

/**
 * A pristine initdb output, made once per machine, server version and account and then copied for
 * every server: copying takes a fraction of what initdb takes. It lives beside the servers' own
 * directories, readable only by the server account, and is kept for the next run. Processes that build
 * it at the same moment each build their own and the first rename wins.
 */
async function clusterTemplate(bindir: string, account: ServerAccount | undefined): Promise<ClusterTemplate> {
  const owner = account?.uid ?? process.getuid?.() ?? 0;
  const key = createHash("sha256").update(`${bindir}\0${owner}`).digest("hex").slice(0, 12);
  const dir = join(tmpdir(), `portcullis-pg-template-${key}`);
  const passwordFile = join(dir, "superuser-password");
  const ready = (): ClusterTemplate | undefined =>
    existsSync(join(dir, "data", "PG_VERSION")) && existsSync(passwordFile) ? { dataDir: join(dir, "data"), password: readFileSync(passwordFile, "utf8").trim() } : undefined;
  const found = ready();
  if (found) return found;
  const build = mkdtempSync(join(tmpdir(), "portcullis-pg-template-build-"));
  try {
    if (account) chownSync(build, account.uid, account.gid);
    const password = randomBytes(18).toString("base64url");
    writeFileSync(join(build, "superuser-password"), `${password}\n`, { mode: 0o600 });
    if (account) chownSync(join(build, "superuser-password"), account.uid, account.gid);
    const init = await runAs(account, build, join(bindir, "initdb"), [
      "-D", join(build, "data"), "-U", SUPERUSER, `--pwfile=${join(build, "superuser-password")}`, "--auth=scram-sha-256",
      "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions", "--wal-segsize=1",
    ]);
    if (!init.ok) throw new Error(`startPostgres: initdb failed:\n${init.output}`);
    try {
      renameSync(build, dir);
    } catch {
      // another process finished its template first: use that one
    }
  } finally {
    rmSync(build, { recursive: true, force: true });
  }
  const made = ready();
  if (!made) throw new Error(`startPostgres: the cluster template in ${dir} is incomplete; remove it`);
  return made;
}

/** The server's own cluster: a copy of the template, configured for this server alone. */
async function copyCluster(template: ClusterTemplate, account: ServerAccount | undefined, base: string, dataDir: string, settings: Record<string, string>): Promise<void> {
  const copy = await runAs(account, base, "cp", ["-a", template.dataDir, dataDir]);
  if (!copy.ok) throw new Error(`startPostgres: copying the cluster template failed:\n${copy.output}`);
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
    const start = await runAs(account, base, join(bindir, "pg_ctl"), ["-D", dataDir, "-l", log, "-o", `-p ${port}`, "-w", "-t", "30", "-s", "start"]);
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
  const pgCtl = join(bindir, "pg_ctl");
  const stopArgs = ["-D", dataDir, "-m", "fast", "-w", "-t", "30", "stop"];
  const handle = {
    stopNow(): void {
      running.delete(handle);
      runAsNow(account, base, pgCtl, stopArgs);
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
      stopped ??= (async () => {
        running.delete(handle);
        const result = await runAs(account, base, pgCtl, stopArgs);
        rmSync(base, { recursive: true, force: true });
        if (!result.ok) throw new Error(`stopping PostgreSQL failed:\n${result.output}`);
      })();
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
