import type { GatewayConfig, ListenAddress } from "../../engine/config/types.js";
import { targetsOfType } from "../../engine/config/types.js";
import type { Engine } from "../../engine/engine.js";
import type { IdentityService } from "../../engine/identity/identity-service.js";
import type { ApprovalDesk, SessionEvent } from "../gate/types.js";
import type { SshCertificates } from "../http/ssh-routes.js";
import { SshCertificateAuthority } from "../ssh/certificates/authority.js";
import { gatewayHostKey, hostPublicKey } from "../ssh/host-key.js";
import { listenSsh, type SshListener } from "../ssh/server.js";
import type { Budgets } from "../gate/budgets.js";
import type { LiveSessions } from "./live-sessions.js";
import { createSshContext } from "./ssh-context.js";

/** Certificates live at most this long (and never longer than the token they were issued for). */
const MAX_CERTIFICATE_TTL_SECONDS = 8 * 3600;

export interface SshSideOptions {
  engine: Engine;
  identity: IdentityService;
  record: (event: SessionEvent) => Promise<void>;
  approvals?: ApprovalDesk;
  liveSessions?: LiveSessions;
  budgets?: Budgets;
  log: (line: string) => void;
}

/**
 * The gateway's SSH side: its host key and user CA (both kept in the state directory), the listener
 * serving the SSH targets, and the certificates the HTTP API issues for it.
 */
export async function startSshSide(config: GatewayConfig, listen: ListenAddress, options: SshSideOptions): Promise<{ listener: SshListener; certificates: SshCertificates }> {
  const authority = SshCertificateAuthority.open(config.stateDir);
  const hostKey = gatewayHostKey(config.stateDir);
  const context = createSshContext({ ...options, targets: targetsOfType(config.targets, "ssh"), authority });
  const listener = await listenSsh({ ...listen, hostKey, context, loginGraceMs: config.ssh.loginGraceSeconds * 1000, maxUnauthenticated: config.ssh.maxUnauthenticated });
  const certificates: SshCertificates = {
    issue: (identity, publicKey, validBefore, targets) => authority.issue(identity, publicKey, validBefore, targets),
    caPublicKey: () => authority.publicKeyLine(),
    hostKey: () => hostPublicKey(config.stateDir),
    address: () => ({ host: listener.host, port: listener.port }),
    maxTtlSeconds: MAX_CERTIFICATE_TTL_SECONDS,
  };
  return { listener, certificates };
}
