import type { Socket } from "node:net";
import { TLSSocket } from "node:tls";
import type { CancelRegistry } from "./cancel-registry.js";
import type { PostgresGatewayContext } from "./context.js";
import { MessageStream } from "./message-stream.js";
import { errorResponse } from "./protocol/backend-messages.js";
import { CANCEL_REQUEST, FRONTEND_TYPES, GSSENC_REQUEST, PROTOCOL_3_0, SQLSTATE, SSL_REQUEST } from "./protocol/codes.js";
import { ProtocolError, FrameReader } from "./protocol/frame-reader.js";
import { readCancel, readStartup } from "./protocol/frontend-messages.js";
import { MessageWriter } from "./protocol/message-writer.js";

export interface ClientStartup {
  socket: Socket;
  stream: MessageStream;
  parameters: Record<string, string>;
  tls: boolean;
}

const MAX_STARTUP_BYTES = 10_000;
/** The password message carries a token: a few kilobytes. An unauthenticated client may not make the gateway buffer more. */
const MAX_PASSWORD_BYTES = 65_536;

/**
 * The untyped first phase of a connection: SSLRequest (answered with TLS when configured),
 * GSSENCRequest (refused: the gateway does not do GSSAPI), CancelRequest (routed to the session it
 * names, then closed) and finally the StartupMessage. Resolves undefined when the connection ended
 * here (a cancel, or an error already sent).
 */
export async function acceptStartup(raw: Socket, context: PostgresGatewayContext, cancels: CancelRegistry, messageLimit: number): Promise<ClientStartup | undefined> {
  let socket: Socket = raw;
  let tls = false;
  const stream = new MessageStream(socket, new FrameReader({ maxLength: MAX_STARTUP_BYTES }));
  for (;;) {
    stream.reader.expectUntyped();
    const frame = await stream.next();
    const code = frame.body.length >= 4 ? frame.body.readInt32BE(0) : -1;
    if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
      if (frame.body.length !== 4) throw new ProtocolError("malformed encryption request");
      if (code === GSSENC_REQUEST || !context.tls || tls) {
        socket.write("N");
        continue;
      }
      // Bytes sent before our answer could not have been encrypted: a man in the middle injecting them
      // is exactly what TLS must exclude.
      if (stream.reader.buffered > 0) throw new ProtocolError("data received before the TLS handshake");
      stream.detach();
      socket.write("S");
      const secure = new TLSSocket(socket, { isServer: true, secureContext: context.tls.context });
      socket = secure;
      tls = true;
      stream.attach(secure);
      continue;
    }
    if (code === CANCEL_REQUEST) {
      const { processId, secretKey } = readCancel(frame.body);
      cancels.cancel(processId, secretKey);
      socket.end();
      return undefined;
    }
    const startup = readStartup(frame.body);
    const major = startup.code >>> 16;
    const minor = startup.code & 0xffff;
    if (major !== 3) {
      socket.end(errorResponse({ severity: "FATAL", code: SQLSTATE.featureNotSupported, message: `unsupported frontend protocol ${major}.${minor}: Portcullis speaks 3.0` }));
      return undefined;
    }
    const unknownOptions = Object.keys(startup.parameters).filter((name) => name.startsWith("_pq_."));
    if (minor > 0 || unknownOptions.length > 0) socket.write(negotiateProtocolVersion(unknownOptions));
    for (const name of unknownOptions) delete startup.parameters[name];
    if (startup.code !== PROTOCOL_3_0 && minor === 0) throw new ProtocolError("invalid startup code");
    if (context.tls?.required && !tls) {
      socket.end(errorResponse({ severity: "FATAL", code: SQLSTATE.invalidAuthorization, message: "Portcullis requires TLS: connect with sslmode=require" }));
      return undefined;
    }
    if (!startup.parameters.user) {
      socket.end(errorResponse({ severity: "FATAL", code: SQLSTATE.invalidAuthorization, message: "no PostgreSQL user name specified in startup packet" }));
      return undefined;
    }
    if (stream.reader.buffered > 0) throw new ProtocolError("data received before authentication was requested");
    stream.detach();
    const reader = new FrameReader({ maxLength: messageLimit, allowedTypes: FRONTEND_TYPES });
    reader.limitNext(MAX_PASSWORD_BYTES);
    const session = new MessageStream(socket, reader);
    return { socket, stream: session, parameters: startup.parameters, tls };
  }
}

/** NegotiateProtocolVersion: the gateway speaks 3.0 and recognises no `_pq_` options. */
function negotiateProtocolVersion(unknown: string[]): Buffer {
  const w = new MessageWriter().int32(0).int32(unknown.length);
  for (const name of unknown) w.cstring(name);
  return w.finish("v");
}
