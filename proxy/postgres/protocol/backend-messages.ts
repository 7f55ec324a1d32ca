import { BodyReader } from "./body-reader.js";
import { MessageWriter } from "./message-writer.js";

/** Messages the gateway itself sends to a client, and decoders for the upstream messages it inspects. */

export interface ErrorFields {
  severity?: "ERROR" | "FATAL";
  code: string;
  message: string;
  detail?: string;
  hint?: string;
  /** 1-based character position in the statement text, as the server reports a syntax error's. */
  position?: number;
}

export function errorResponse(fields: ErrorFields): Buffer {
  return noticeLike("E", fields.severity ?? "ERROR", fields);
}

export function noticeResponse(message: string, code = "00000"): Buffer {
  return noticeLike("N", "NOTICE", { code, message });
}

function noticeLike(type: string, severity: string, fields: ErrorFields): Buffer {
  const w = new MessageWriter();
  w.byte(0x53).cstring(severity); // S: severity (localized)
  w.byte(0x56).cstring(severity); // V: severity (never localized)
  w.byte(0x43).cstring(fields.code); // C
  w.byte(0x4d).cstring(fields.message); // M
  if (fields.detail) w.byte(0x44).cstring(fields.detail); // D
  if (fields.hint) w.byte(0x48).cstring(fields.hint); // H
  if (fields.position !== undefined) w.byte(0x50).cstring(String(fields.position)); // P
  w.byte(0);
  return w.finish(type);
}

export function authenticationRequest(code: number): Buffer {
  return new MessageWriter(8).int32(code).finish("R");
}

export const AUTH_OK = 0;
export const AUTH_CLEARTEXT = 3;

export function parameterStatus(name: string, value: string): Buffer {
  return new MessageWriter().cstring(name).cstring(value).finish("S");
}

export function backendKeyData(processId: number, secretKey: number): Buffer {
  return new MessageWriter(8).int32(processId).int32(secretKey).finish("K");
}

export function readyForQuery(status: string): Buffer {
  return new MessageWriter(1).byte(status.charCodeAt(0)).finish("Z");
}

export interface FieldDescription {
  name: string;
  tableOid: number;
  attributeNumber: number;
  typeOid: number;
  typeSize: number;
  typeModifier: number;
  format: number;
}

export function readRowDescription(body: Buffer): FieldDescription[] {
  const r = new BodyReader(body);
  const count = r.int16();
  const fields: FieldDescription[] = [];
  for (let i = 0; i < count; i++) {
    fields.push({
      name: r.cstring(),
      tableOid: r.int32() >>> 0,
      attributeNumber: r.int16(),
      typeOid: r.int32() >>> 0,
      typeSize: r.int16(),
      typeModifier: r.int32(),
      format: r.int16(),
    });
  }
  return fields;
}

export function rowDescription(fields: readonly FieldDescription[]): Buffer {
  const w = new MessageWriter();
  w.int16(fields.length);
  for (const f of fields) {
    w.cstring(f.name).int32(f.tableOid | 0).int16(f.attributeNumber).int32(f.typeOid | 0).int16(f.typeSize).int32(f.typeModifier).int16(f.format);
  }
  return w.finish("T");
}

/** A DataRow's values; null for SQL NULL. The buffers share memory with `body`. */
export function readDataRow(body: Buffer): Array<Buffer | null> {
  const r = new BodyReader(body);
  const count = r.int16();
  const values: Array<Buffer | null> = [];
  for (let i = 0; i < count; i++) {
    const length = r.int32();
    values.push(length < 0 ? null : r.bytes(length));
  }
  return values;
}

export function dataRow(values: Array<Buffer | null>): Buffer {
  let size = 2;
  for (const v of values) size += 4 + (v ? v.length : 0);
  const w = new MessageWriter(size);
  w.int16(values.length);
  for (const v of values) {
    if (v === null) w.int32(-1);
    else w.int32(v.length).bytes(v);
  }
  return w.finish("D");
}

/** The fields of an ErrorResponse or NoticeResponse, keyed by their one-letter codes. */
export function readErrorFields(body: Buffer): Record<string, string> {
  const r = new BodyReader(body);
  const fields: Record<string, string> = {};
  for (;;) {
    const code = r.byte();
    if (code === 0) break;
    fields[String.fromCharCode(code)] = r.cstring();
  }
  return fields;
}

/** The CommandComplete tag, e.g. `SELECT 3`. */
export function readCommandTag(body: Buffer): string {
  return new BodyReader(body).cstring();
}
