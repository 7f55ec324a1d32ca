import { randomUUID } from "node:crypto";
import type { Socket } from "node:net";
import type { KubernetesTarget } from "../../engine/config/types.js";
import type { Identity, SessionInfo } from "../../engine/policy/types.js";
import { RequestGate } from "../gate/request-gate.js";
import type { KubernetesGatewayContext } from "./context.js";

/** One identity's requests to one target over one client connection: a session, with its gate. */
export interface KubeSession {
  identity: Identity;
  target: KubernetesTarget;
  session: SessionInfo;
  gate: RequestGate;
  /** Why the gateway ended the session's requests (its identity no longer stands), when it did. */
  endReason?: string;
}

/**
 * Sessions are per connection and caller: kubectl keeps a connection open across requests, each
 * carrying its token; requests on one connection by one identity to one target share a session (and
 * its request numbering in the audit log). A session ends when its connection closes.
 */
export class ConnectionSessions {
  private readonly bySocket = new WeakMap<Socket, Map<string, Promise<KubeSession>>>();
  private readonly context: KubernetesGatewayContext;

  constructor(context: KubernetesGatewayContext) {
    this.context = context;
  }

  /** The session for this caller on this connection, recorded (session_start) before its first request. */
  session(socket: Socket, identity: Identity, target: KubernetesTarget): Promise<KubeSession> {
    let sessions = this.bySocket.get(socket);
    if (!sessions) {
      sessions = new Map();
      this.bySocket.set(socket, sessions);
      const open = sessions;
      socket.once("close", () => {
        for (const pending of open.values()) void pending.then((s) => this.end(s)).catch(() => undefined);
        open.clear();
      });
    }
    const key = JSON.stringify([identity.issuer, identity.subject, identity.groups, target.name]);
    let found = sessions.get(key);
    if (!found) {
      found = this.start(socket, identity, target);
      sessions.set(key, found);
      // A session whose start could not be recorded is not kept: the next request tries again.
      found.catch(() => sessions!.delete(key));
    }
    return found;
  }

  private async start(socket: Socket, identity: Identity, target: KubernetesTarget): Promise<KubeSession> {
    const session: SessionInfo = { id: randomUUID(), protocol: "kubernetes", client_addr: socket.remoteAddress ?? "", started_at: new Date().toISOString() };
    await this.context.record({ type: "session_start", session_id: session.id, client_addr: session.client_addr ?? "", identity, target: target.name, protocol: "kubernetes" });
    const gate = new RequestGate(this.context, { identity, session, target: { name: target.name, type: "kubernetes", tags: target.tags } });
    return { identity, target, session, gate };
  }

  private async end(session: KubeSession): Promise<void> {
    const reason = session.endReason === undefined ? "connection closed" : `identity ended: ${session.endReason}`;
    await this.context.record({ type: "session_end", session_id: session.session.id, reason }).catch((error: unknown) => this.context.log(`kubernetes: session_end not recorded: ${String(error)}`));
  }
}
