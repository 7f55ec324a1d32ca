import { errorResponse } from "./backend-messages.js";
import { CANCEL_REQUEST, GSSENC_REQUEST, SQLSTATE, SSL_REQUEST } from "./codes.js";

/**
 * The first packet of a connection, read as the server reads it (postmaster.c, ProcessStartupPacket),
 * so that a client sending garbage sees exactly what a server would send: nothing at all for a
 * length out of range or a truncated packet (the server only logs those), and a FATAL for a protocol
 * version it does not speak, a malformed parameter list or a missing user name.
 * https://www.postgresql.org/docs/current/protocol-message-formats.html
 */

/** Body bytes the server reads at most in a startup packet (MAX_STARTUP_PACKET_LENGTH). */
export const MAX_STARTUP_BODY = 10_000;

export type StartupPacket =
  /** Ends the connection without a word, as the server does for a packet it cannot even frame. */
  | { kind: "silent" }
  | { kind: "cancel"; processId: number; secretKey: number }
  | { kind: "ssl" }
  | { kind: "gssenc" }
  | { kind: "startup"; major: number; minor: number; parameters: Record<string, string>; protocolOptions: string[] }
  /** The FATAL error to send (as bytes: an old-protocol client gets it in the old format) and close. */
  | { kind: "refuse"; bytes: Buffer };

/** The newest protocol the gateway speaks, as the server reports it: 3.0. */
const LATEST_MAJOR = 3;
const LATEST_MINOR = 0;

/** Classifies a startup-phase packet body (without its length word). */
export function readStartupPacket(body: Buffer): StartupPacket {
  if (body.length < 4 || body.length > MAX_STARTUP_BODY) return { kind: "silent" };
  const code = body.readUInt32BE(0);
  if (code === CANCEL_REQUEST) {
    // A cancel the server cannot read cancels nothing; either way it answers nothing.
    if (body.length !== 12) return { kind: "silent" };
    return { kind: "cancel", processId: body.readInt32BE(4), secretKey: body.readInt32BE(8) };
  }
  if (code === SSL_REQUEST) return { kind: "ssl" };
  if (code === GSSENC_REQUEST) return { kind: "gssenc" };
  return readVersioned(code, body);
}

/** A packet with a protocol version: a StartupMessage, or what claims to be one. */
export function readVersioned(code: number, body: Buffer): StartupPacket {
  const major = code >>> 16;
  const minor = code & 0xffff;
  if (major !== LATEST_MAJOR) return { kind: "refuse", bytes: unsupportedProtocol(code) };
  const parameters: Record<string, string> = {};
  const protocolOptions: string[] = [];
  // The server reads names and values up to a zero byte and wants the terminator exactly at the end.
  const len = body.length - 4;
  const buf = body.subarray(4);
  let offset = 0;
  while (offset < len) {
    const nameEnd = zeroAt(buf, offset);
    if (nameEnd === offset) break;
    const valueOffset = nameEnd + 1;
    if (valueOffset >= len) break;
    const valueEnd = zeroAt(buf, valueOffset);
    const name = buf.toString("utf8", offset, nameEnd);
    const value = buf.toString("utf8", valueOffset, valueEnd);
    if (name.startsWith("_pq_.")) protocolOptions.push(name);
    else parameters[name] = value;
    offset = valueEnd + 1;
  }
  if (offset !== len - 1) {
    return { kind: "refuse", bytes: errorResponse({ severity: "FATAL", code: SQLSTATE.protocolViolation, message: "invalid startup packet layout: expected terminator as last byte" }) };
  }
  if (!parameters.user) {
    return { kind: "refuse", bytes: errorResponse({ severity: "FATAL", code: SQLSTATE.invalidAuthorization, message: "no PostgreSQL user name specified in startup packet" }) };
  }
  return { kind: "startup", major, minor, parameters, protocolOptions };
}

/**
 * Bytes that arrived with an encryption request, before its answer, were not encrypted: a man in the
 * middle may have injected them. The server refuses the connection with this error.
 */
export function unencryptedDataAfter(request: "ssl" | "gssenc"): Buffer {
  return errorResponse({
    severity: "FATAL",
    code: SQLSTATE.protocolViolation,
    message: request === "ssl" ? "received unencrypted data after SSL request" : "received unencrypted data after GSSAPI encryption request",
    detail: "This could be either a client-software bug or evidence of an attempted man-in-the-middle attack.",
  });
}

/** Needs a negotiation answer: a newer minor version, or `_pq_` options the gateway does not know. */
export function needsNegotiation(packet: { minor: number; protocolOptions: string[] }): boolean {
  return packet.minor > LATEST_MINOR || packet.protocolOptions.length > 0;
}

/** The position of the zero byte ending the string at `from`; the end of the buffer when there is none (the server pads with one). */
function zeroAt(buf: Buffer, from: number): number {
  const at = buf.indexOf(0, from);
  return at < 0 ? buf.length : at;
}

/**
 * The server's refusal of a protocol version. A client that asked for a version before 3.0 cannot
 * read a 3.0 ErrorResponse, so it gets the old format: 'E' and a zero-terminated line (version 0.0
 * reads as "not known yet" and gets the current format).
 */
function unsupportedProtocol(code: number): Buffer {
  const major = code >>> 16;
  const message = `unsupported frontend protocol ${major}.${code & 0xffff}: server supports ${LATEST_MAJOR}.0 to ${LATEST_MAJOR}.${LATEST_MINOR}`;
  if (code !== 0 && major < LATEST_MAJOR) return Buffer.concat([Buffer.from("E"), Buffer.from(`FATAL:  ${message}\n`, "utf8"), Buffer.from([0])]);
  return errorResponse({ severity: "FATAL", code: SQLSTATE.featureNotSupported, message });
}
