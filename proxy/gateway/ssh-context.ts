import type { SshTarget } from "../../engine/config/types.js";
import type { Engine } from "../../engine/engine.js";
import type { IdentityService } from "../../engine/identity/identity-service.js";
import type { ApprovalDesk, SessionEvent } from "../gate/types.js";
import type { SshGatewayContext } from "../ssh/context.js";
import { authenticateToken, enginePorts } from "./gate-ports.js";

export interface SshContextOptions {
  engine: Engine;
  identity: IdentityService;
  targets: SshTarget[];
  /** Durable recording of session events (audit log and session recordings), shared with PostgreSQL. */
  record: (event: SessionEvent) => Promise<void>;
  approvals?: ApprovalDesk;
  log: (line: string) => void;
}

/** Wires the SSH proxy to the engine: identity, decisions, approvals and the audit record. */
export function createSshContext(options: SshContextOptions): SshGatewayContext {
  const targets = new Map(options.targets.map((t) => [t.name, t]));
  const context: SshGatewayContext = {
    ...enginePorts(options.engine, options.record, options.log),
    target: (name) => targets.get(name),
    authenticate: (secret, target) => authenticateToken(options.identity, secret, target),
  };
  if (options.approvals) context.approvals = options.approvals;
  return context;
}
