import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { freePort } from "./free-port.js";

/** A throwaway OpenSSH server on a loopback port: the real target the SSH gateway forwards to. */
export interface RunningSshd {
  host: string;
  port: number;
  /** The login user (the user running the tests). */
  user: string;
  /** The private key sshd accepts for `user` (OpenSSH format): the gateway's upstream key. */
  privateKey: string;
  /** sshd's host public key, `TYPE BASE64`. */
  hostKey: string;
  /** sshd's log so far (LogLevel VERBOSE: logins, and each command a session ran). */
  log(): string;
  stop(): Promise<void>;
}

const SSHD = "/usr/sbin/sshd";

/**
 * Starts Debian's sshd with its own config, host key, authorized key and free 127.0.0.1 port, in
 * the foreground (-D) with its log on stderr (-e), so the test can read what really ran. Nothing of
 * the system's sshd is used: not its config, keys or port 22.
 */
export async function startSshd(): Promise<RunningSshd> {
  if (!existsSync(SSHD)) throw new Error(`${SSHD} is missing: run npm run setup`);
  const dir = mkdtempSync(join(tmpdir(), "portcullis-sshd-"));
  keygen(join(dir, "host_ed25519"));
  keygen(join(dir, "gateway_ed25519"));
  writeFileSync(join(dir, "authorized_keys"), readFileSync(join(dir, "gateway_ed25519.pub")));
  // sshd run by root insists on its privilege-separation directory, which Debian only makes at boot.
  if (process.getuid?.() === 0 && !existsSync("/run/sshd")) mkdirSync("/run/sshd", { mode: 0o755 });
  const port = await freePort();
  const user = userInfo().username;
  const config = [
    `Port ${port}`,
    "ListenAddress 127.0.0.1",
    `HostKey ${join(dir, "host_ed25519")}`,
    `PidFile ${join(dir, "sshd.pid")}`,
    `AuthorizedKeysFile ${join(dir, "authorized_keys")}`,
    "UsePAM no",
    "StrictModes no",
    "PasswordAuthentication no",
    "KbdInteractiveAuthentication no",
    "PubkeyAuthentication yes",
    "PermitRootLogin prohibit-password",
    `AllowUsers ${user}`,
    "LogLevel VERBOSE",
    "Subsystem sftp internal-sftp",
  ].join("\n");
  writeFileSync(join(dir, "sshd_config"), `${config}\n`);
  const child = spawn(SSHD, ["-D", "-e", "-f", join(dir, "sshd_config")], { stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  child.stderr!.on("data", (d: Buffer) => (log += d.toString()));
  await waitForPort(port, child, () => log);
  const hostKey = readFileSync(join(dir, "host_ed25519.pub"), "utf8").trim().split(/\s+/).slice(0, 2).join(" ");
  return {
    host: "127.0.0.1",
    port,
    user,
    privateKey: readFileSync(join(dir, "gateway_ed25519"), "utf8"),
    hostKey,
    log: () => log,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGTERM");
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function keygen(path: string): void {
  const result = spawnSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "portcullis-test", "-f", path], { encoding: "utf8" });
  if (result.status !== 0) throw new Error(`ssh-keygen failed: ${result.stderr}`);
}

/** Resolves once sshd accepts connections; rejects with its log if it exits first or takes too long. */
async function waitForPort(port: number, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`sshd exited (${child.exitCode}): ${log()}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: "127.0.0.1", port }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.on("error", () => resolve(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill("SIGKILL");
  throw new Error(`sshd did not listen on ${port} within 10 s: ${log()}`);
}
