import type { Socket } from "node:net";
import { TLSSocket } from "node:tls";
import type { CancelRegistry } from "./cancel-registry.js";
import type { PostgresGatewayContext } from "./context.js";
import { MessageStream } from "./message-stream.js";
import { errorResponse } from "./protocol/backend-messages.js";
import { FRONTEND_TYPES, PROTOCOL_3_0, SQLSTATE } from "./protocol/codes.js";
import { ProtocolError, FrameReader } from "./protocol/frame-reader.js";
import { MAX_STARTUP_BODY, needsNegotiation, readStartupPacket, readVersioned, unencryptedDataAfter, type StartupPacket } from "./protocol/startup-packet.js";
import { MessageWriter } from "./protocol/message-writer.js";

export interface ClientStartup {
  socket: Socket;
  stream: MessageStream;
  parameters: Record<string, string>;
  tls: boolean;
}

/** The password message carries a token: a few kilobytes. An unauthenticated client may not make the gateway buffer more. */
const MAX_PASSWORD_BYTES = 65_536;

/**
 * The untyped first phase of a connection: SSLRequest (answered with TLS when configured),
 * GSSENCRequest (refused: the gateway does not do GSSAPI), CancelRequest (routed to the session it
 * names, then closed) and finally the StartupMessage. Every packet is read as the server reads it
 * (startup-packet.ts): garbage gets the server's answer, which is often no answer at all. Resolves
 * undefined when the connection ended here (a cancel, or an error already sent).
 */
export async function acceptStartup(raw: Socket, context: PostgresGatewayContext, cancels: CancelRegistry, messageLimit: number): Promise<ClientStartup | undefined> {
  let socket: Socket = raw;
  let tls = false;
  // After one answer to an encryption request, another is read as a protocol version (and refused), as by the server.
  let sslDone = false;
  let gssDone = false;
  const stream = new MessageStream(socket, new FrameReader({ maxLength: MAX_STARTUP_BODY }));
  for (;;) {
    stream.reader.expectUntyped();
    let packet: StartupPacket;
    try {
      const frame = await stream.next();
      packet = readStartupPacket(frame.body);
      if ((packet.kind === "ssl" && sslDone) || (packet.kind === "gssenc" && gssDone)) packet = readVersioned(frame.body.readUInt32BE(0), frame.body);
    } catch (error) {
      // A length out of range, or a connection closed mid-packet: the server only logs these.
      if (!(error instanceof ProtocolError)) throw error;
      packet = { kind: "silent" };
    }
    switch (packet.kind) {
      case "silent":
        // As the server's close(): a FIN, or a reset when the client's bytes are still unread.
        socket.destroy();
        return undefined;
      case "refuse":
        socket.end(packet.bytes);
        setTimeout(() => socket.destroy(), 1000).unref();
        return undefined;
      case "cancel":
        cancels.cancel(packet.processId, packet.secretKey);
        socket.end();
        return undefined;
      case "ssl":
      case "gssenc": {
        const accept = packet.kind === "ssl" && context.tls !== undefined;
        if (packet.kind === "ssl") sslDone = true;
        else gssDone = true;
        if (stream.reader.buffered > 0) {
          // Sent before the answer, so never encrypted: the server refuses these bytes, and TLS must exclude them.
          socket.end(accept ? unencryptedDataAfter(packet.kind) : Buffer.concat([Buffer.from("N"), unencryptedDataAfter(packet.kind)]));
          return undefined;
        }
        if (!accept || !context.tls) {
          socket.write("N");
          continue;
        }
        stream.detach();
        socket.write("S");
        const secure = new TLSSocket(socket, { isServer: true, secureContext: context.tls.context });
        socket = secure;
        tls = true;
        stream.attach(secure);
        continue;
      }
      case "startup":
        break;
    }
    if (needsNegotiation(packet)) socket.write(negotiateProtocolVersion(packet.protocolOptions));
    if (context.tls?.required && !tls) {
      socket.end(errorResponse({ severity: "FATAL", code: SQLSTATE.invalidAuthorization, message: "Portcullis requires TLS: connect with sslmode=require" }));
      return undefined;
    }
    if (stream.reader.buffered > 0) throw new ProtocolError("data received before authentication was requested");
    stream.detach();
    const reader = new FrameReader({ maxLength: messageLimit, allowedTypes: FRONTEND_TYPES });
    reader.limitNext(MAX_PASSWORD_BYTES);
    reader.acceptAnyTypeNext();
    const session = new MessageStream(socket, reader);
    return { socket, stream: session, parameters: packet.parameters, tls };
  }
}

/** NegotiateProtocolVersion: the newest version the gateway speaks (3.0) and the `_pq_` options it does not recognise (all). */
function negotiateProtocolVersion(unknown: string[]): Buffer {
  const w = new MessageWriter().int32(PROTOCOL_3_0).int32(unknown.length);
  for (const name of unknown) w.cstring(name);
  return w.finish("v");
}
