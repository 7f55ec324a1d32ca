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
}
