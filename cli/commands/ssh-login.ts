import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { visibleLine } from "../../engine/text/visible-text.js";
import { stringOption, UsageError, type Command } from "../command.js";
import { GatewayError, gatewayJson, isObject } from "../gateway-client.js";
import { connect } from "./approvals-common.js";

/** The host alias the written ssh_config gives the gateway. */
const HOST_ALIAS = "portcullis";

export const sshLoginCommand: Command = {
  words: ["ssh", "login"],
  options: {
    dir: { type: "string" },
    target: { type: "string" },
    ttl: { type: "string" },
    gateway: { type: "string" },
    token: { type: "string" },
  },
  help: `Usage: portcullis ssh login [--target NAME] [--dir DIR] [--ttl SECONDS] [--gateway URL] [--token TOKEN]

Gets a short-lived OpenSSH user certificate from the gateway's CA for your identity and writes what
plain ssh, scp and sftp need to reach SSH targets through the gateway with no prompt:

  DIR/id_ed25519, id_ed25519.pub   a key made here (kept across logins; never leaves this machine)
  DIR/id_ed25519-cert.pub          the certificate (until your token expires, 8 hours at most)
  DIR/known_hosts                  the gateway's host key
  DIR/config                       an ssh_config naming the gateway "${HOST_ALIAS}"

then prints a ready command line, e.g.:

  ssh -F ~/.portcullis/ssh/config alice+web-1@${HOST_ALIAS} uptime

Log in as USER+TARGET: USER is you (your subject or its part before @), TARGET an SSH target.

Options:
  --target NAME       limit the certificate to this target (it is then only good there)
  --dir DIR           where to write (default ~/.portcullis/ssh)
  --ttl SECONDS       a shorter lifetime (at least 60)
  --gateway URL       the gateway (default: $PORTCULLIS_GATEWAY, else the one used at login)
  --token TOKEN       the token to present (default: $PORTCULLIS_TOKEN, else your stored sign-in);
                      agents and CI jobs pass their own
  -h, --help          show this help

Exit status: 0 once written, 1 on failure (no sign-in, refused, gateway unreachable), 2 on bad usage.`,
  async run(args) {
    if (args.positionals.length > 0) throw new UsageError(`unexpected argument "${args.positionals[0]!.slice(0, 40)}"`);
    const ttl = stringOption(args, "ttl");
    if (ttl !== undefined && !/^[1-9]\d*$/.test(ttl)) throw new UsageError(`--ttl must be a positive whole number of seconds (got "${ttl}")`);
    const target = stringOption(args, "target");
    if (target !== undefined && target.trim() === "") throw new UsageError("--target needs a name");
    const dir = resolve(stringOption(args, "dir") ?? join(homedir(), ".portcullis", "ssh"));
    let { gateway, token } = await connect(args);
    if (target !== undefined) token = await scopedToken(gateway, token, target);

    const written = await writeSshLogin({ gateway, token, dir, ...(ttl ? { ttlSeconds: Number(ttl) } : {}) });
    process.stdout.write(`${visibleLine(`certificate for ${written.principal} valid until ${written.validBefore}, written to ${dir}`)}\n`);
    process.stdout.write(`${visibleLine(`${written.command}${target ?? "TARGET"}@${HOST_ALIAS} COMMAND`)}\n`);
    return 0;
  },
};

export interface SshLoginFiles {
  principal: string;
  validBefore: string;
  /** `ssh -F DIR/config USER+`: append the target, `@portcullis` and a command. */
  command: string;
}

/**
 * Makes (or keeps) the key in `dir`, gets it certified by the gateway for `token`'s identity, and
 * writes the certificate, the gateway's host key and an ssh_config there.
 */
export async function writeSshLogin(options: { gateway: string; token: string; dir: string; ttlSeconds?: number }): Promise<SshLoginFiles> {
  const { gateway, token, dir } = options;
  const ttl = options.ttlSeconds;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const key = join(dir, "id_ed25519");
  if (!existsSync(key)) {
    const made = spawnSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "portcullis", "-f", key], { encoding: "utf8" });
    if (made.error || made.status !== 0) throw new Error(`ssh-keygen could not make a key: ${made.error?.message ?? made.stderr.trim()}`);
  }
  const publicKey = readFileSync(`${key}.pub`, "utf8").trim();
  let answer: unknown;
  try {
    answer = await gatewayJson(gateway, "/v1/ssh/certificate", { method: "POST", bearer: token, json: { public_key: publicKey, ...(ttl !== undefined ? { ttl_seconds: ttl } : {}) } });
  } catch (error) {
    if (error instanceof GatewayError && error.status === 404) throw new Error(`the gateway at ${gateway} has no SSH listener`);
    if (error instanceof GatewayError) throw new Error(`the gateway refused the certificate request: ${error.message}`);
    throw error;
  }
  const issued = certificateAnswer(answer, gateway);
  writeFileSync(`${key}-cert.pub`, `${issued.certificate}\n`, { mode: 0o644 });
  const host = issued.ssh.host === "0.0.0.0" || issued.ssh.host === "::" ? new URL(gateway).hostname : issued.ssh.host;
  const hostPattern = issued.ssh.port === 22 ? host : `[${host}]:${issued.ssh.port}`;
  writeFileSync(join(dir, "known_hosts"), `${hostPattern} ${issued.host_key}\n`);
  writeFileSync(
    join(dir, "config"),
    [
      `# Written by portcullis ssh login; the certificate is valid until ${issued.valid_before}.`,
      `Host ${HOST_ALIAS}`,
      `  HostName ${host}`,
      `  Port ${issued.ssh.port}`,
      `  IdentityFile ${key}`,
      `  CertificateFile ${key}-cert.pub`,
      "  IdentitiesOnly yes",
      "  PreferredAuthentications publickey",
      `  UserKnownHostsFile ${join(dir, "known_hosts")}`,
      "  StrictHostKeyChecking yes",
      "",
    ].join("\n"),
  );
  const user = issued.principal.includes("@") ? issued.principal.slice(0, issued.principal.indexOf("@")) : issued.principal;
  return { principal: issued.principal, validBefore: issued.valid_before, command: `ssh -F ${join(dir, "config")} ${user}+` };
}

interface CertificateAnswer {
  certificate: string;
  principal: string;
  valid_before: string;
  host_key: string;
  ssh: { host: string; port: number };
}

function certificateAnswer(answer: unknown, gateway: string): CertificateAnswer {
  const ok =
    isObject(answer) &&
    typeof answer.certificate === "string" &&
    /^ssh-ed25519-cert-v01@openssh\.com [A-Za-z0-9+/=]+( \S+)?$/.test(answer.certificate) &&
    typeof answer.principal === "string" &&
    typeof answer.valid_before === "string" &&
    typeof answer.host_key === "string" &&
    /^ssh-ed25519 [A-Za-z0-9+/=]+$/.test(answer.host_key) &&
    isObject(answer.ssh) &&
    typeof answer.ssh.host === "string" &&
    typeof answer.ssh.port === "number";
  if (!ok) throw new Error(`the gateway at ${gateway} answered the certificate request with something unexpected`);
  return answer as unknown as CertificateAnswer;
}

/** A gateway token limited to `target`, exchanged for the caller's token, so the certificate is too. */
async function scopedToken(gateway: string, token: string, target: string): Promise<string> {
  const form = new URLSearchParams({ grant_type: "urn:ietf:params:oauth:grant-type:token-exchange", subject_token: token, subject_token_type: "urn:ietf:params:oauth:token-type:jwt", resource: target });
  const answer = await gatewayJson(gateway, "/v1/token", { method: "POST", form }).catch((error: unknown) => {
    if (error instanceof GatewayError) throw new Error(`the gateway refused to scope your token to ${target}: ${error.message}`);
    throw error;
  });
  if (!isObject(answer) || typeof answer.access_token !== "string") throw new Error(`the gateway at ${gateway} answered without an access_token`);
  return answer.access_token;
}
