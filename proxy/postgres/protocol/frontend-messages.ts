import { BodyReader } from "./body-reader.js";
import { ProtocolError } from "./frame-reader.js";

/** Decoders for the client messages the gateway must understand; everything else is forwarded as bytes. */

export function readPassword(body: Buffer): string {
  const r = new BodyReader(body);
  const password = r.cstring();
  r.end();
  return password;
}

export function readQuery(body: Buffer): string {
  const r = new BodyReader(body);
  const text = r.cstring();
  r.end();
  return text;
}

export interface ParseMessage {
  name: string;
  text: string;
  parameterTypes: number[];
}

export function readParse(body: Buffer): ParseMessage {
  const r = new BodyReader(body);
  const name = r.cstring();
  const text = r.cstring();
  const count = r.int16();
  if (count < 0) throw new ProtocolError("negative parameter type count");
  const parameterTypes: number[] = [];
  for (let i = 0; i < count; i++) parameterTypes.push(r.int32());
  r.end();
  return { name, text, parameterTypes };
}

export interface BindMessage {
  portal: string;
  statement: string;
  /** Result column format codes as sent: none (all text), one (applies to all), or one per column. */
  resultFormats: number[];
}

export function readBind(body: Buffer): BindMessage {
  const r = new BodyReader(body);
  const portal = r.cstring();
  const statement = r.cstring();
  const formatCount = r.int16();
  if (formatCount < 0) throw new ProtocolError("negative format count");
  for (let i = 0; i < formatCount; i++) r.int16();
  const valueCount = r.int16();
  if (valueCount < 0) throw new ProtocolError("negative parameter count");
  for (let i = 0; i < valueCount; i++) {
    const length = r.int32();
    if (length < -1) throw new ProtocolError("invalid parameter length");
    if (length > 0) r.bytes(length);
  }
  const resultCount = r.int16();
  if (resultCount < 0) throw new ProtocolError("negative result format count");
  const resultFormats: number[] = [];
  for (let i = 0; i < resultCount; i++) resultFormats.push(r.int16());
  r.end();
  return { portal, statement, resultFormats };
}

export interface TargetedMessage {
  /** `S` for a prepared statement, `P` for a portal. */
  kind: "S" | "P";
  name: string;
}

/** Describe and Close share a body: a kind byte and a name. */
export function readTargeted(body: Buffer): TargetedMessage {
  const r = new BodyReader(body);
  const kind = String.fromCharCode(r.byte());
  if (kind !== "S" && kind !== "P") throw new ProtocolError(`invalid describe/close kind ${JSON.stringify(kind)}`);
  const name = r.cstring();
  r.end();
  return { kind, name };
}

export function readExecute(body: Buffer): { portal: string; maxRows: number } {
  const r = new BodyReader(body);
  const portal = r.cstring();
  const maxRows = r.int32();
  r.end();
  return { portal, maxRows };
}

/** The format code of result column `index` under a Bind's result format list. */
export function resultFormatAt(formats: number[], index: number): number {
  if (formats.length === 0) return 0;
  if (formats.length === 1) return formats[0]!;
  return formats[index] ?? 0;
}

/**
 * The function a FunctionCall ('F') message calls: its first four bytes, the function's OID, or
 * undefined when the message is shorter. The rest (argument formats, arguments, result format) is
 * the server's to read: it answers a malformed remainder with an ERROR of its own, after checking
 * the function, exactly as for a well-formed one.
 * https://www.postgresql.org/docs/current/protocol-message-formats.html
 */
export function readFunctionOid(body: Buffer): number | undefined {
  return body.length >= 4 ? body.readUInt32BE(0) : undefined;
}
