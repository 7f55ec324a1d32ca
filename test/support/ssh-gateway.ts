import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { resolveConfig } from "../../engine/config/load.js";
import type { IdentityConfig } from "../../engine/identity/config.js";
import type { Identity } from "../../engine/policy/types.js";
import { startGateway, type RunningGateway } from "../../proxy/gateway/gateway.js";
import { writeSshLogin } from "../../cli/commands/ssh-login.js";
import { ALICE } from "./pg-gateway.js";
import { start, type RunResult, type Running } from "./run.js";
import { startSshd, type RunningSshd } from "./sshd.js";

export interface SshOptions {
  login?: string;
  password?: string;
  extra?: string[];
  input?: string;
  timeoutMs?: number;
}

/** A whole gateway (audit log, recordings, approvals) with its SSH listener in front of a real sshd, target `web`. */
export interface SshGatewayUnderTest {
  sshd: RunningSshd;
  gateway: RunningGateway;
  port: number;
  /** The gateway's state directory (audit.log, recordings/). */
  dir: string;
  logs: string[];
  token(who?: Identity): Promise<string>;
  /** Runs the real OpenSSH client through the gateway as `login` (default alice+web) with `password` (default a fresh token for ALICE). */
  ssh(command: string[], options?: SshOptions): Promise<RunResult>;
  /**
   * Runs `sftp` or `scp` (OpenSSH's) as alice with a certificate from `portcullis ssh login`'s files
   * (sftp -b allows no password prompt); name the gateway `alice+web@portcullis` in `args`.
   */
  copy(program: "sftp" | "scp", args: string[], options?: SshOptions): Promise<RunResult>;
  /** The same, left running (for requests held for approval, Ctrl-C and long streams). */
  startSsh(command: string[], options?: SshOptions): Promise<Running>;
  stop(): Promise<void>;
}

export async function startSshGateway(
  options: { tags?: Record<string, string>; policyDir?: string; loginGraceSeconds?: number; interactive?: "raw" | "command"; identity?: IdentityConfig } = {},
): Promise<SshGatewayUnderTest> {
  const sshd = await startSshd();
  const dir = mkdtempSync(join(tmpdir(), "portcullis-ssh-gateway-"));
  // The key is read from a file, as an operator would keep it; only the gateway reads it.
  writeFileSync(join(dir, "web.key"), sshd.privateKey, { mode: 0o600 });
  const config = resolveConfig(
    {
      state_dir: dir,
      listen: { postgres: "127.0.0.1:0", http: "127.0.0.1:0", ssh: "127.0.0.1:0" },
      policy: { watch: false, ...(options.policyDir ? { dir: options.policyDir } : {}) },
      ...(options.loginGraceSeconds ? { ssh: { login_grace_seconds: options.loginGraceSeconds } } : {}),
      // Trusted issuers (a real demo provider's), besides the gateway's own tokens.
      ...(options.identity ? { identity: options.identity } : {}),
      targets: [{ name: "web", type: "ssh", tags: options.tags ?? { env: "dev" }, host: sshd.host, port: sshd.port, user: sshd.user, private_key: { file: "web.key" }, host_key: sshd.hostKey, ...(options.interactive ? { interactive: options.interactive } : {}) }],
    },
    dir,
  );
  const logs: string[] = [];
  const gateway = await startGateway(config, (line) => logs.push(line));
  const port = gateway.ssh!.port;
  const token = async (who: Identity = ALICE): Promise<string> => (await gateway.identity.tokens.issue(who)).token;
  const common = ["-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", "-o", "PubkeyAuthentication=no", "-o", "PreferredAuthentications=password", "-o", "NumberOfPasswordPrompts=1"];
  let login: Promise<string> | undefined;
  const copy = async (program: "sftp" | "scp", args: string[], { input, timeoutMs = 60_000 }: SshOptions = {}): Promise<RunResult> => {
    login ??= token().then(async (t) => {
      const files = join(dir, "alice-ssh");
      await writeSshLogin({ gateway: gateway.http.url, token: t, dir: files });
      return join(files, "config");
    });
    return start(program, ["-F", await login, "-o", "BatchMode=yes", ...args], process.env, input, timeoutMs).done;
  };
  const startSsh = async (command: string[], { login = "alice+web", password, extra = [], input, timeoutMs = 30_000 }: SshOptions): Promise<Running> => {
    const env = { ...process.env, SSHPASS: password ?? (await token()) };
    const args = [
      "-e", "ssh", "-F", "/dev/null", "-p", String(port),
      ...common,
      ...extra, `${login}@127.0.0.1`, ...command,
    ];
    return start("sshpass", args, env, input, timeoutMs);
  };
  return {
    sshd,
    gateway,
    port,
    dir,
    logs,
    token,
    ssh: async (command, options = {}) => (await startSsh(command, options)).done,
    startSsh: (command, options = {}) => startSsh(command, options),
    copy,
    async stop() {
      await gateway.close();
      await sshd.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
