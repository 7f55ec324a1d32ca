import { randomUUID } from "node:crypto";
import { connect as tcpConnect, type Socket } from "node:net";
import { serialize } from "pg-protocol";
import type { SessionInfo } from "../../engine/policy/types.js";
import type { CancelRegistry } from "./cancel-registry.js";
import { acceptStartup } from "./client-startup.js";
import type { PostgresGatewayContext } from "./context.js";
import {
  AUTH_CLEARTEXT,
  AUTH_OK,
  authenticationRequest,
  backendKeyData,
  errorResponse,
  parameterStatus,
  readyForQuery,
} from "./protocol/backend-messages.js";
import { SQLSTATE } from "./protocol/codes.js";
import { ProtocolError } from "./protocol/frame-reader.js";
import { readPassword } from "./protocol/frontend-messages.js";
import { Relay } from "./relay.js";
import type { BinaryDecoder } from "./row-masker.js";
import { connectUpstream, UpstreamError } from "./upstream/connect.js";
import type { PostgresTarget } from "./upstream/target.js";
import { acceptableClientEncoding } from "./client-encoding.js";

/** Startup parameters a client may pass through to the target; anything else (`options`, `replication`…) is dropped. */
const FORWARDED_PARAMETERS = new Set(["application_name", "client_encoding", "DateStyle", "TimeZone", "extra_float_digits", "IntervalStyle", "search_path", "datestyle", "timezone"]);

export interface SessionOptions {
  context: PostgresGatewayContext;
  cancels: CancelRegistry;
  decode: BinaryDecoder;
  messageLimit: number;
  /** A connection that has not reached the relay by then is dropped. */
  startupTimeoutMs: number;
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
    const targetName = parameters.database ?? user;
    const sessionId = randomUUID();

    socket.write(authenticationRequest(AUTH_CLEARTEXT));
    const answer = await stream.next();
    if (answer.type !== "p") throw new ProtocolError("expected a password message");
    const secret = readPassword(answer.body);
    const target = context.target(targetName);
    const auth = await context.authenticate(secret, targetName);
    if (!auth.ok) {
      await context.record({ type: "auth_failure", session_id: sessionId, client_addr: clientAddr, target: targetName, user, code: auth.code, detail: auth.detail }).catch(() => undefined);
      socket.end(errorResponse({ severity: "FATAL", code: SQLSTATE.invalidPassword, message: `password authentication failed for user "${user}"` }));
      return;
    }
    if (!target) {
      await context.record({ type: "auth_failure", session_id: sessionId, client_addr: clientAddr, target: targetName, user, code: "unknown_target", detail: `no target named ${targetName}` }).catch(() => undefined);
      socket.end(errorResponse({ severity: "FATAL", code: SQLSTATE.invalidCatalogName, message: `Portcullis has no PostgreSQL target named "${targetName}"` }));
      return;
    }

    if (parameters.client_encoding !== undefined && !acceptableClientEncoding(parameters.client_encoding)) {
      // The policy's parser and the server would disagree on where string literals end.
      socket.end(errorResponse({ severity: "FATAL", code: SQLSTATE.featureNotSupported, message: `Portcullis does not accept client_encoding ${parameters.client_encoding}: use UTF8` }));
      return;
    }
    const forwarded: Record<string, string> = {};
    for (const [name, value] of Object.entries(parameters)) if (FORWARDED_PARAMETERS.has(name)) forwarded[name] = value;
    let upstream;
    try {
      upstream = await connectUpstream(target, forwarded);
    } catch (error) {
      const message = error instanceof UpstreamError ? error.message : "could not reach the target";
      context.log(`session ${sessionId}: ${message}`);
      socket.end(errorResponse({ severity: "FATAL", code: error instanceof UpstreamError ? error.sqlstate : SQLSTATE.connectionFailure, message: `Portcullis: ${message}` }));
      return;
    }

    const session: SessionInfo = { id: sessionId, protocol: "postgres", client_addr: clientAddr, started_at: new Date().toISOString() };
    try {
      await context.record({ type: "session_start", session_id: sessionId, client_addr: clientAddr, identity: auth.identity, target: target.name });
    } catch {
      upstream.socket.destroy();
      socket.end(errorResponse({ severity: "FATAL", code: SQLSTATE.cannotConnectNow, message: "Portcullis: the audit log is unavailable" }));
      return;
    }
    // A cancel first ends a wait for approval; otherwise it goes to the upstream backend.
    let relay: Relay | undefined;
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
      who: { identity: auth.identity, session, target },
      clientReader: stream.reader,
      status: upstream.status,
      decode: options.decode,
      onClosed: (reason) => {
        key.release();
        context.record({ type: "session_end", session_id: sessionId, reason }).catch(() => undefined);
        end();
      },
    });
    clearTimeout(startupTimer);
    relay.start(queued);
  } catch (error) {
    if (error instanceof ProtocolError) {
      if (!raw.destroyed) raw.end(errorResponse({ severity: "FATAL", code: SQLSTATE.protocolViolation, message: `Portcullis: invalid startup: ${error.message}` }));
    } else if (!(error instanceof Error && /closed the connection|ECONNRESET|EPIPE/.test(error.message))) {
      context.log(`session failed: ${error instanceof Error ? error.message : String(error)}`);
      if (!raw.destroyed) raw.end(errorResponse({ severity: "FATAL", code: SQLSTATE.internalError, message: "Portcullis: internal error" }));
    }
    setTimeout(() => raw.destroy(), 1000).unref();
  }
}

/** Cancels the upstream backend a session runs on, as a server's cancel key would. */
function sendCancel(target: PostgresTarget, processId: number, secretKey: number): void {
  const socket = tcpConnect({ host: target.host, port: target.port });
  socket.on("error", () => undefined);
  socket.on("connect", () => socket.end(serialize.cancel(processId, secretKey)));
}
