import ssh2 from "ssh2";
import type { Client as SshClient } from "ssh2";
import type { SshTarget } from "../../engine/config/types.js";

/** Why the gateway could not reach or log in to a target; the message never carries the key. */
export class UpstreamError extends Error {
  override readonly name = "UpstreamError";
}

/**
 * Logs in to the target as its configured user with the key only the gateway holds. The target's
 * host key is checked against the configured one(s) when there are any. Resolves with a connection
 * the session opens its exec channels on; rejects with an UpstreamError.
 */
export function connectUpstream(target: SshTarget): Promise<SshClient> {
  const client = new ssh2.Client();
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (message: string): void => {
      if (settled) return;
      settled = true;
      client.end();
      reject(new UpstreamError(message));
    };
    client.once("ready", () => {
      settled = true;
      // Each SSH packet is its own write: without it every request's end waits for a delayed ACK.
      client.setNoDelay(true);
      resolve(client);
    });
    // ssh2's errors name the level (client-socket, client-authentication, …), never the key itself.
    client.on("error", (error: Error & { level?: string }) => {
      if (error.level === "client-authentication") fail(`target ${target.name} refused the gateway's login`);
      else fail(`target ${target.name} is unreachable (${error.message})`);
    });
    client.connect({
      host: target.host,
      port: target.port,
      username: target.user,
      privateKey: target.privateKey,
      readyTimeout: target.connectTimeoutMs ?? 10_000,
      keepaliveInterval: 30_000,
      hostVerifier: (key: Buffer) => target.hostKeys.length === 0 || target.hostKeys.some((known) => sameHostKey(known, key)),
    });
  });
}

/** True when `known` (`TYPE BASE64`, as in known_hosts) is the key the server presented (wire format). */
function sameHostKey(known: string, presented: Buffer): boolean {
  const base64 = known.trim().split(/\s+/)[1];
  return base64 !== undefined && Buffer.from(base64, "base64").equals(presented);
}
