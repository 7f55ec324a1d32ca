import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import ssh2 from "ssh2";

/**
 * The gateway's SSH host key (ed25519, OpenSSH format), generated once into the state directory so
 * clients' known_hosts entries stay valid across restarts.
 */
export function gatewayHostKey(stateDir: string): string {
  const path = join(stateDir, "ssh_host_ed25519_key");
  if (!existsSync(path)) {
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    const pair = ssh2.utils.generateKeyPairSync("ed25519", { comment: "portcullis gateway" });
    writeFileSync(path, pair.private, { mode: 0o600 });
    writeFileSync(`${path}.pub`, `${pair.public}\n`);
  }
  return readFileSync(path, "utf8");
}

/** The host key's public half, `ssh-ed25519 BASE64` (for a client's known_hosts). */
export function hostPublicKey(stateDir: string): string {
  gatewayHostKey(stateDir);
  return readFileSync(join(stateDir, "ssh_host_ed25519_key.pub"), "utf8").trim().split(/\s+/).slice(0, 2).join(" ");
}
