import { randomUUID } from "node:crypto";
import { connect as tcpConnect, type Socket } from "node:net";
import { serialize } from "pg-protocol";
import { policyTarget, type SessionInfo } from "../../engine/policy/types.js";
import { RequestGate } from "../gate/request-gate.js";
import type { CancelRegistry } from "./cancel-registry.js";
import { acceptStartup } from "./client-startup.js";
import { unreadableClientEncoding } from "./client-encoding.js";
import type { PostgresGatewayContext } from "./context.js";
import {
  AUTH_CLEARTEXT,
  AUTH_OK,
  authenticationRequest,
  backendKeyData,
  errorResponse,
  parameterStatus,
  readyForQuery,
  type ErrorFields,
} from "./protocol/backend-messages.js";
import { SQLSTATE } from "./protocol/codes.js";
import { ProtocolError } from "./protocol/frame-reader.js";
import { readPassword } from "./protocol/frontend-messages.js";
import { acceptedUserNames, isLoopbackAddress, unsafeName, userNameMatches, visibleName } from "./login-name.js";
import { Relay } from "./relay.js";
import type { BinaryDecoder } from "./row-masker.js";
import { connectUpstream, UpstreamError } from "./upstream/connect.js";
import type { SessionRole } from "./upstream/session-role.js";
import { applicationName, sessionRole } from "./session-login-role.js";
import { decideStartupSettings, finalSettings, startupSettings } from "./upstream/startup-settings.js";
import type { PostgresTarget } from "./upstream/target.js";
import { SessionLimits } from "./session-limits.js";
import { acceptableClientEncoding } from "./client-encoding.js";
import { messageOf } from "../../engine/errors.js";

export interface SessionOptions {
  context: PostgresGatewayContext;
  cancels: CancelRegistry;
  decode: BinaryDecoder;
  messageLimit: number;
  /** A connection that has not reached the relay by then is dropped. */
  startupTimeoutMs: number;
  /** Per-identity and per-target session limits and the idle-session timeout (defaults otherwise). */
  limits?: SessionLimits;
  /** Called once when the session ends, whatever ended it. */
  onEnd?: () => void;
}

/**
 * One client connection from first byte to last: startup (TLS, cancel), authentication with an OIDC
 * or gateway token as the password, the gateway's own login upstream, then the relay. Any failure
 * ends this connection with a PostgreSQL error and nothing else.
 */
export async function runSession(raw: Socket, options: SessionOptions): Promise<void> {
  const { context } = options;
  raw.setNoDelay(true);
  raw.on("error", () => undefined);
  const clientAddr = `${raw.remoteAddress ?? "?"}:${raw.remotePort ?? 0}`;
  let ended = false;
  const end = (): void => {
    if (ended) return;
    ended = true;
    options.onEnd?.();
  };
  raw.once("close", end);
  // A client that never finishes its startup and login holds a connection for nothing: drop it, as a
  // server does after authentication_timeout.
  const startupTimer = setTimeout(() => raw.destroy(), options.startupTimeoutMs);
  raw.once("close", () => clearTimeout(startupTimer));
  try {
    const startup = await acceptStartup(raw, context, options.cancels, options.messageLimit);
    if (!startup) return;
    const { socket, stream, parameters } = startup;
    socket.on("error", () => undefined);
    const user = parameters.user ?? "";
    // As on the server, an empty database name means the user name.
    const targetName = parameters.database || user;
    const sessionId = randomUUID();
    // Every refused login is recorded, with the names as the client sent them made harmless to print.
    const refuseLogin = async (code: string, detail: string, error: ErrorFields): Promise<void> => {
      await context.record({ type: "auth_failure", protocol: "postgres", session_id: sessionId, client_addr: clientAddr, target: visibleName(targetName), user: visibleName(user), code, detail: visibleName(detail, 2000) }).catch(() => undefined);
      socket.end(errorResponse({ severity: "FATAL", ...error }));
    };
    const badUser = unsafeName(user);
    const badDatabase = unsafeName(targetName);
    if (badUser || badDatabase) {
      const what = badUser ? `user name ${JSON.stringify(visibleName(user))}` : `database name ${JSON.stringify(visibleName(targetName))}`;
      return refuseLogin("invalid_name", `${what}: ${badUser ?? badDatabase}`, {
        code: badUser ? SQLSTATE.invalidAuthorization : SQLSTATE.invalidCatalogName,
        message: `Portcullis refuses the ${what}: ${badUser ?? badDatabase}`,
      });
    }
    // The token is the password: in clear text it may only cross this machine's loopback, unless the
    // configuration says the network in between is trusted.
    if (!startup.tls && !context.allowCleartextTokens && !isLoopbackAddress(raw.remoteAddress)) {
      return refuseLogin("cleartext_refused", "a token would have crossed the network without TLS", {
        code: SQLSTATE.invalidAuthorization,
        message: "Portcullis accepts tokens from another host only over TLS: connect with sslmode=require",
      });
    }

    socket.write(authenticationRequest(AUTH_CLEARTEXT));
    const answer = await stream.next();
    if (answer.type !== "p") {
      // The server's words for the same mistake (auth.c, recv_password_packet).
      socket.end(errorResponse({ severity: "FATAL", code: SQLSTATE.protocolViolation, message: `expected password response, got message type ${answer.raw[0]}` }));
      return;
    }
    const secret = readPassword(answer.body);
    const target = context.target(targetName);
    const auth = await context.authenticate(secret, targetName);
    if (!auth.ok) {
      return refuseLogin(auth.code, auth.detail, { code: SQLSTATE.invalidPassword, message: `password authentication failed for user "${user}"` });
    }
    if (!target) {
      return refuseLogin("unknown_target", `no target named ${visibleName(targetName)}`, { code: SQLSTATE.invalidCatalogName, message: `Portcullis has no PostgreSQL target named "${targetName}"` });
    }
    if (!userNameMatches(user, auth.identity)) {
      const names = acceptedUserNames(auth.identity).map((n) => JSON.stringify(n));
      return refuseLogin("user_mismatch", `user name ${JSON.stringify(user)} is not ${auth.identity.subject}`, {
        code: SQLSTATE.invalidAuthorization,
        message: `Portcullis: user name "${user}" does not match the token, which is for ${JSON.stringify(auth.identity.subject)}`,
        hint: `connect as user ${names.join(" or ")}`,
      });
    }

    const limits = options.limits ?? defaultLimits;
    const session: SessionInfo = { id: sessionId, protocol: "postgres", client_addr: clientAddr, started_at: new Date().toISOString() };
    // The policy may lower the configured limits for this caller; an answer it cannot give refuses.
    const byPolicy = context.sessionLimits({ identity: auth.identity, session, target: policyTarget(target) });
    if (!byPolicy.known) {
      context.log(`session limits unknown for ${auth.identity.subject} on ${target.name}, refusing the login: ${byPolicy.reason}`);
      return refuseLogin("session_limits", byPolicy.reason, { code: SQLSTATE.cannotConnectNow, message: "Portcullis: the policy's session limits could not be read" });
    }
    const slot = limits.acquire(JSON.stringify([auth.identity.issuer, auth.identity.subject]), target.name, byPolicy.max_sessions);
    if (!slot.ok) {
      await context.record({ type: "auth_failure", protocol: "postgres", session_id: sessionId, client_addr: clientAddr, target: target.name, user: visibleName(user), code: "session_limit", detail: slot.message }).catch(() => undefined);
      socket.end(errorResponse({ severity: "FATAL", code: SQLSTATE.tooManyConnections, message: `Portcullis: ${slot.message}` }));
      return;
    }
    raw.once("close", slot.release);

    // Every setting the client asked for at login reaches the target, once the policy allowed it.
    const asked = startupSettings(parameters);
    if (!asked.ok) return refuseLogin("startup_settings", asked.error.message, asked.error);
    const forwarded = finalSettings(asked.settings);
    if (forwarded.client_encoding !== undefined && !acceptableClientEncoding(forwarded.client_encoding)) {
      // The policy's parser and the server would disagree on where string literals end.
      const message = `Portcullis does not accept client_encoding ${forwarded.client_encoding}: use UTF8`;
      return refuseLogin("client_encoding", message, { code: SQLSTATE.featureNotSupported, message });
    }
    // Every request of the session passes this gate, from the settings asked for at login on.
    const gate = new RequestGate(context, { identity: auth.identity, session, target });
    const refusal = await decideStartupSettings(context, { identity: auth.identity, session, target, gate }, asked.settings);
    if (refusal) {
      socket.end(errorResponse(refusal));
      return;
    }
    let upstream;
    let role: SessionRole | undefined;
    try {
      role = target.ephemeralRoles ? await sessionRole(context, target, auth, sessionId, byPolicy.database_role) : undefined;
      if (role) raw.once("close", () => void role!.drop().catch((error: unknown) => context.log(`session ${sessionId}: its database role ${role!.user} was not dropped: ${messageOf(error)}`)));
      upstream = await connectUpstream(role ? { ...target, user: role.user, password: role.password } : target, role ? { ...forwarded, application_name: applicationName(auth.identity, forwarded.application_name) } : forwarded);
    } catch (error) {
      const message = error instanceof UpstreamError ? error.message : "could not reach the target";
      context.log(`session ${sessionId}: ${message}`);
      socket.end(errorResponse({ severity: "FATAL", code: error instanceof UpstreamError ? error.sqlstate : SQLSTATE.connectionFailure, message: `Portcullis: ${message}` }));
      return;
    }
    // However the client spelled it, the encoding the server settled on is the one it will read SQL in.
    const settled = upstream.parameters.find(([name]) => name === "client_encoding");
    const unreadable = settled && unreadableClientEncoding(Buffer.from(`client_encoding\0${settled[1]}\0`));
    if (unreadable) {
      upstream.socket.destroy();
      const message = `Portcullis does not accept client_encoding ${unreadable}: use UTF8`;
      return refuseLogin("client_encoding", message, { code: SQLSTATE.featureNotSupported, message });
    }

    try {
      await context.record({ type: "session_start", protocol: "postgres", session_id: sessionId, client_addr: clientAddr, identity: auth.identity, target: target.name });
    } catch {
      upstream.socket.destroy();
      socket.end(errorResponse({ severity: "FATAL", code: SQLSTATE.cannotConnectNow, message: "Portcullis: the audit log is unavailable" }));
      return;
    }
    // A cancel first ends a wait for approval; otherwise it goes to the upstream backend.
    let relay: Relay | undefined;
    let unwatch: (() => void) | undefined;
    let relayClosed = false;
    const key = options.cancels.issue(() => {
      if (!relay?.cancelHold()) sendCancel(target, upstream.processId, upstream.secretKey);
    });
    socket.cork();
    socket.write(authenticationRequest(AUTH_OK));
    for (const [name, value] of upstream.parameters) socket.write(parameterStatus(name, value));
    socket.write(backendKeyData(key.processId, key.secretKey));
    socket.write(readyForQuery(upstream.status));
    socket.uncork();

    const queued = stream.takeQueued();
    stream.detach();
    relay = new Relay({
      client: socket,
      upstream: upstream.socket,
      context,
      who: { identity: auth.identity, session, target, gate, ...serverMajorOf(upstream.parameters) },
      clientReader: stream.reader,
      status: upstream.status,
      decode: options.decode,
      onClosed: (reason) => {
        relayClosed = true;
        unwatch?.();
        key.release();
        context.record({ type: "session_end", session_id: sessionId, reason }).catch(() => undefined);
        end();
      },
    });
    clearTimeout(startupTimer);
    relay.start(queued);
    // The session ends when its identity does (a token in its chain expires, a revocation reaches it),
    // as a backend ends under pg_terminate_backend: FATAL 57P01, here with the reason.
    const open = relay;
    unwatch = auth.watch?.(session, (reason) => open.fail({ severity: "FATAL", code: SQLSTATE.adminShutdown, message: `Portcullis: terminating connection: ${reason}` }, `identity ended: ${reason}`));
    if (relayClosed) unwatch?.();
    watchIdle(socket, relay, idleTimeoutOf(limits.settings.idleTimeoutMs, byPolicy.idle_timeout_seconds));
  } catch (error) {
    if (error instanceof ProtocolError) {
      if (!raw.destroyed) raw.end(errorResponse({ severity: "FATAL", code: SQLSTATE.protocolViolation, message: `Portcullis: invalid startup: ${error.message}` }));
    } else if (!(error instanceof Error && /closed the connection|ECONNRESET|EPIPE/.test(error.message))) {
      context.log(`session failed: ${messageOf(error)}`);
      if (!raw.destroyed) raw.end(errorResponse({ severity: "FATAL", code: SQLSTATE.internalError, message: "Portcullis: internal error" }));
    }
    setTimeout(() => raw.destroy(), 1000).unref();
  }
}

const defaultLimits = new SessionLimits();

/** The shorter of the configured idle timeout (0: none) and the policy's, in milliseconds. */
function idleTimeoutOf(configuredMs: number, policySeconds: number | undefined): number {
  if (policySeconds === undefined) return configuredMs;
  return configuredMs > 0 ? Math.min(configuredMs, policySeconds * 1000) : policySeconds * 1000;
}

/**
 * Closes a session that has sent and received nothing for `timeoutMs` while no statement runs or
 * waits, so forgotten sessions give back their slot. Idle outside a transaction it ends as the
 * server's idle_session_timeout would (57P05); idle inside one (holding its locks and snapshot) as its
 * idle_in_transaction_session_timeout would (25P03).
 */
function watchIdle(socket: Socket, relay: Relay, timeoutMs: number): void {
  if (timeoutMs <= 0) return;
  socket.setTimeout(timeoutMs);
  socket.on("timeout", () => {
    if (relay.busy) return;
    const seconds = Math.round(timeoutMs / 1000);
    if (relay.inTransaction) {
      relay.fail({ severity: "FATAL", code: SQLSTATE.idleInTransactionSessionTimeout, message: `terminating connection due to idle-in-transaction timeout (${seconds} s)` }, "idle_in_transaction_session_timeout");
    } else {
      relay.fail({ severity: "FATAL", code: SQLSTATE.idleSessionTimeout, message: `terminating connection due to idle-session timeout (${seconds} s)` }, "idle_session_timeout");
    }
  });
}

/** Cancels the upstream backend a session runs on, as a server's cancel key would. */
function sendCancel(target: PostgresTarget, processId: number, secretKey: number): void {
  const socket = tcpConnect({ host: target.host, port: target.port });
  socket.on("error", () => undefined);
  socket.on("connect", () => socket.end(serialize.cancel(processId, secretKey)));
}

/** The major version in the server's `server_version` ("15.10 (Debian 15.10-0+deb12u1)" → 15). */
function serverMajorOf(parameters: Array<[string, string]>): { serverMajor?: number } {
  const version = parameters.find(([name]) => name === "server_version")?.[1];
  const major = version ? /^(\d+)/.exec(version)?.[1] : undefined;
  return major ? { serverMajor: Number(major) } : {};
}
