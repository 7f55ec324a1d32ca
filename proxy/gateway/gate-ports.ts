import type { Engine } from "../../engine/engine.js";
import type { IdentityService } from "../../engine/identity/identity-service.js";
import { actingFor } from "../../engine/identity/acting-for.js";
import type { Authentication, GatePorts, SessionEvent } from "../gate/types.js";
import type { LiveSessions } from "./live-sessions.js";
import { Budgets } from "../gate/budgets.js";

/**
 * The request gate's ports over the engine, the same for every protocol's sessions. `budgets` counts
 * the policy's window limits for callers; the gateway passes one shared by all its protocols.
 */
export function enginePorts(engine: Engine, record: (event: SessionEvent) => Promise<void>, log: (line: string) => void, budgets: Budgets = Budgets.inMemory()): GatePorts {
  return {
    budgets,
    decideAsync: (request) => engine.decideAsync(request),
    normalizeAsync: (request, facts) => engine.normalizeAsync(request, facts),
    decideWithGrant: (verdict, grant) => engine.decideWithGrant(verdict, grant),
    revision: () => engine.revision,
    record,
    log,
  };
}

/**
 * A token (a password, an SSH keyboard-interactive answer) checked for a target, in the proxies' terms.
 * With `live`, the session it opens is watched: it ends when a token in the chain expires, a
 * revocation reaches it, or its issuer says it no longer stands (session_recheck).
 */
export async function authenticateToken(identity: IdentityService, secret: string, target: string, live?: LiveSessions): Promise<Authentication> {
  const result = await identity.verify(secret, { target });
  if (!result.ok) return { ok: false, code: result.code, detail: result.detail };
  if (!live) return { ok: true, identity: result.identity, expiresAt: result.expiresAt };
  return {
    ok: true,
    identity: result.identity,
    expiresAt: result.expiresAt,
    watch: (session, end) => {
      // Issuers with session_recheck are asked about the session's tokens while it is open; check() only reads their answers.
      const release = identity.holdIssuerChecks(result);
      const unwatch = live.watch({ sessionId: session.id, protocol: session.protocol, subject: actingFor(result.identity), check: () => identity.recheck(result), end });
      return () => {
        unwatch();
        release();
      };
    },
  };
}
