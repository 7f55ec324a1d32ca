import type { SshTarget } from "../../engine/config/types.js";
import type { Engine } from "../../engine/engine.js";
import type { IdentityService } from "../../engine/identity/identity-service.js";
import type { ApprovalDesk, SessionEvent } from "../gate/types.js";
import type { SshCertificateAuthority } from "../ssh/certificates/authority.js";
import type { SshGatewayContext } from "../ssh/context.js";
import { authenticateToken, enginePorts } from "./gate-ports.js";
import type { LiveSessions } from "./live-sessions.js";
import type { Budgets } from "../gate/budgets.js";

export interface SshContextOptions {
  engine: Engine;
  identity: IdentityService;
  targets: SshTarget[];
  /** The CA whose user certificates log people in with no prompt. */
  authority: SshCertificateAuthority;
  /** Durable recording of session events (audit log and session recordings), shared with PostgreSQL. */
  record: (event: SessionEvent) => Promise<void>;
  approvals?: ApprovalDesk;
  /** Request counts for the policy's requests_per_minute, shared by the gateway's protocols (one of its own otherwise). */
  budgets?: Budgets;
  /** Open sessions end when their identity does (expiry, revocation) when given. */
  liveSessions?: LiveSessions;
  log: (line: string) => void;
}

/** Wires the SSH proxy to the engine: identity, decisions, approvals and the audit record. */
export function createSshContext(options: SshContextOptions): SshGatewayContext {
  const targets = new Map(options.targets.map((t) => [t.name, t]));
  const context: SshGatewayContext = {
    ...enginePorts(options.engine, options.record, options.log, options.budgets),
    target: (name) => targets.get(name),
    authenticate: (secret, target) => authenticateToken(options.identity, secret, target, options.liveSessions),
    authenticateCertificate(certificate, target, proof) {
      const checked = options.authority.check(certificate, proof);
      if (!checked.ok) return checked;
      // Revoking the subject (or the certificate, by `ssh-cert:SERIAL`) ends what was issued before.
      const revoked = (): string | null => options.identity.revocations.check(checked.identity, `ssh-cert:${checked.serial}`, checked.validAfter);
      const refused = revoked();
      if (refused) return { ok: false, code: "revoked", detail: refused };
      if (checked.targets && !checked.targets.includes(target)) return { ok: false, code: "wrong_target", detail: `the certificate is for ${checked.targets.join(", ")} only` };
      const live = options.liveSessions;
      if (!live) return { ok: true, identity: checked.identity };
      // A session opened with a certificate ends when the certificate does, or with its revocation.
      const stillValid = (): string | null => (Date.now() / 1000 >= checked.validBefore ? `the SSH certificate expired at ${new Date(checked.validBefore * 1000).toISOString()}` : revoked());
      return { ok: true, identity: checked.identity, watch: (session, end) => live.watch({ sessionId: session.id, protocol: session.protocol, subject: checked.identity.subject, check: stillValid, end }) };
    },
  };
  if (options.approvals) context.approvals = options.approvals;
  return context;
}
