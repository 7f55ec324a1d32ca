import type { IncomingMessage, ServerResponse } from "node:http";
import type { IdentityService } from "../../engine/identity/index.js";
import type { Identity } from "../../engine/policy/types.js";
import type { AuthLog } from "./route-types.js";
import { bearerCaller } from "./bearer-caller.js";
import { HttpError, readBody, sendJson } from "./respond.js";

/** What the SSH side of the gateway offers the HTTP API: certificates for verified identities, and where to connect. */
export interface SshCertificates {
  issue(identity: Identity, publicKey: string, validBefore: Date, targets?: string[]): { certificate: string; serial: string; principal: string; validBefore: Date };
  /** The CA's public key line, for targets' `TrustedUserCAKeys`. */
  caPublicKey(): string;
  /** The gateway's SSH host public key line (`ssh-ed25519 BASE64`), for the client's known_hosts. */
  hostKey(): string;
  /** Where the SSH listener is. */
  address(): { host: string; port: number };
  /** The longest a certificate lives, in seconds (never longer than the token it was issued for). */
  maxTtlSeconds: number;
}

/**
 * `POST /v1/ssh/certificate` (`{"public_key": "ssh-ed25519 …", "ttl_seconds"?: N}` with a bearer
 * token): an OpenSSH user certificate for that key, for the token's identity, ending when the token
 * does (or sooner), scoped to the token's targets when it has any. With it plain `ssh` logs in with
 * no prompt. Why a token was refused goes to the auth log, never to the client.
 */
export async function sshCertificateEndpoint(req: IncomingMessage, res: ServerResponse, identity: IdentityService, ssh: SshCertificates, log: AuthLog): Promise<void> {
  const verified = await bearerCaller(req, identity, log, "ssh_certificate_rejected");
  let body: { public_key?: unknown; ttl_seconds?: unknown };
  try {
    body = JSON.parse(await readBody(req, 16 * 1024)) as typeof body;
  } catch {
    throw new HttpError(400, "invalid_request", 'send JSON: {"public_key": "ssh-ed25519 AAAA…"}');
  }
  if (typeof body.public_key !== "string") throw new HttpError(400, "invalid_request", "public_key (an ssh-ed25519 public key line) is required");
  const ttl = body.ttl_seconds === undefined ? ssh.maxTtlSeconds : body.ttl_seconds;
  if (typeof ttl !== "number" || !Number.isInteger(ttl) || ttl < 60) throw new HttpError(400, "invalid_request", "ttl_seconds must be a whole number of seconds, at least 60");
  const until = Math.min(verified.expiresAt * 1000, Date.now() + Math.min(ttl, ssh.maxTtlSeconds) * 1000);
  let issued;
  try {
    issued = ssh.issue(verified.identity, body.public_key, new Date(until), verified.targets);
  } catch (error) {
    throw new HttpError(400, "invalid_request", (error as Error).message);
  }
  log({ event: "ssh_certificate_issued", subject: verified.identity.subject, issuer: verified.identity.issuer, serial: issued.serial, valid_before: issued.validBefore.toISOString() });
  sendJson(res, 200, {
    certificate: issued.certificate,
    principal: issued.principal,
    serial: issued.serial,
    valid_before: issued.validBefore.toISOString(),
    ca_public_key: ssh.caPublicKey(),
    host_key: ssh.hostKey(),
    ssh: ssh.address(),
    ...(verified.targets ? { targets: verified.targets } : {}),
  });
}
