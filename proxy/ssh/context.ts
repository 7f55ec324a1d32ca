import type { SshTarget } from "../../engine/config/types.js";
import type { Authentication, GatePorts } from "../gate/types.js";

/**
 * Everything an SSH session needs from the rest of the gateway: the request gate's ports (decisions,
 * approvals, the audit record), the configured SSH targets and token checks. The proxy only
 * terminates SSH: who someone is and what is allowed are answered here.
 */
export interface SshGatewayContext extends GatePorts {
  target(name: string): SshTarget | undefined;
  /** Checks a token (the SSH password or keyboard-interactive answer) for `target`. */
  authenticate(secret: string, target: string): Promise<Authentication>;
  /**
   * Checks an OpenSSH user certificate (the gateway's CA's) for `target`; with `proof` (the data the
   * client signed and its signature) the login is complete, without it the client only asks whether
   * the key would do.
   */
  authenticateCertificate(certificate: Buffer, target: string, proof?: { signed: Buffer; signature: Buffer }): Authentication;
}
