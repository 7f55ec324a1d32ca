import type { MaskRule } from "../../engine/policy/types.js";
import type { ColumnOrigin } from "./catalog.js";
import type { FieldDescription } from "./protocol/backend-messages.js";

/** A decision's mask rule with the column it names resolved to the origin RowDescription reports. */
export interface ResolvedMask {
  origin: ColumnOrigin;
  rule: MaskRule;
  /** Not in the decision: the caller's masked column, masked wherever the server reports it as a result column's origin. */
  net?: boolean;
}

/** One result column to mask: its position, the rule, and how its values arrive. */
export interface ColumnMask {
  index: number;
  rule: MaskRule;
  typeOid: number;
  format: number;
}

export type MaskFunction = (rule: MaskRule, value: string | null) => string | null;
/** Text form of a binary-format value, or undefined for a type the gateway cannot decode. */
export type BinaryDecoder = (typeOid: number, value: Buffer) => string | undefined;

const TEXT_OID = 25;

/** Which result columns a statement's masks apply to, matched by table OID and attribute number. */
export function planColumns(fields: readonly FieldDescription[], masks: readonly ResolvedMask[], formats?: (index: number) => number): ColumnMask[] {
  const plan: ColumnMask[] = [];
  if (masks.length === 0) return plan;
  fields.forEach((field, index) => {
    if (field.tableOid === 0) return;
    const hit = masks.find((m) => m.origin.tableOid === field.tableOid && m.origin.attributeNumber === field.attributeNumber);
    if (hit) plan.push({ index, rule: hit.rule, typeOid: field.typeOid, format: formats ? formats(index) : field.format });
  });
  return plan;
}

/**
 * The RowDescription the client sees: a masked column (other than `null`) now carries text, so its
 * type becomes `text` — a client decoding "****" as an integer would fail, and a binary-format text
 * value is just its bytes.
 */
export function describeMasked(fields: readonly FieldDescription[], plan: readonly ColumnMask[]): readonly FieldDescription[] {
  if (plan.length === 0) return fields;
  return fields.map((field, index) => {
    const mask = plan.find((m) => m.index === index);
    if (!mask || mask.rule.strategy === "null") return field;
    return { ...field, typeOid: TEXT_OID, typeSize: -1, typeModifier: -1 };
  });
}

/**
 * Rewrites one DataRow body into a whole DataRow message with the planned columns masked. Runs for every
 * row of a masked result, so it reads the body in place (no Buffer per value), encodes each masked value
 * straight into the one output buffer, and copies the unmasked runs between them whole. `plan` lists
 * columns in ascending order (as planColumns makes it).
 */
export function maskRow(body: Buffer, plan: readonly ColumnMask[], mask: MaskFunction, decode: BinaryDecoder): Buffer {
  const count = body.readInt16BE(0);
  if (starts.length < count) {
    starts = new Int32Array(count * 2);
    lengths = new Int32Array(count * 2);
  }
  // Where each value starts (after its length word) and its length (-1: NULL).
  let at = 2;
  for (let i = 0; i < count; i++) {
    if (at + 4 > body.length) throw new RangeError("DataRow body is truncated");
    const length = body.readInt32BE(at);
    at += 4;
    if (length < -1) throw new RangeError(`DataRow value length ${length} is invalid`);
    if (length > 0 && at + length > body.length) throw new RangeError("DataRow body is truncated");
    starts[i] = at;
    lengths[i] = length;
    if (length > 0) at += length;
  }
  // The masked value of each planned column (undefined: the column is not in this row).
  const replaced: Array<string | null | undefined> = [];
  let size = 5 + body.length;
  for (const column of plan) {
    if (column.index >= count) {
      replaced.push(undefined);
      continue;
    }
    const length = lengths[column.index]!;
    const start = starts[column.index]!;
    let text: string | null;
    let rule = column.rule;
    if (length < 0) text = null;
    else if (column.format === 0) text = body.toString("utf8", start, start + length);
    else {
      const decoded = decode(column.typeOid, body.subarray(start, start + length));
      // A binary value of a type the gateway cannot read is hashed from its hex form (stable) and
      // otherwise redacted whole: keeping "the last characters" of raw bytes could reveal anything.
      text = decoded ?? `\\x${body.toString("hex", start, start + length)}`;
      if (decoded === undefined && rule.strategy === "partial") rule = { column: rule.column, strategy: "redact" };
    }
    const masked = mask(rule, text);
    replaced.push(masked);
    size += (masked === null ? 0 : utf8Length(masked)) - Math.max(0, length);
  }
  const out = Buffer.allocUnsafe(size);
  out[0] = 0x44; // 'D'
  out.writeInt32BE(size - 1, 1);
  out.writeInt16BE(count, 5);
  let to = 7;
  // The body's bytes from `from` on are not copied yet.
  let from = 2;
  for (let p = 0; p < plan.length; p++) {
    const value = replaced[p];
    if (value === undefined) continue;
    const index = plan[p]!.index;
    to = copy(body, from, starts[index]! - 4, out, to);
    if (value === null) {
      to = out.writeInt32BE(-1, to);
    } else {
      const written = writeUtf8(value, out, to + 4);
      out.writeInt32BE(written, to);
      to += 4 + written;
    }
    from = starts[index]! + Math.max(0, lengths[index]!);
  }
  copy(body, from, body.length, out, to);
  return out;
}

let starts = new Int32Array(64);
let lengths = new Int32Array(64);

/** Copies source[from, end) to target at `to`; short runs by hand (a native copy costs more than a few bytes). */
function copy(source: Buffer, from: number, end: number, target: Buffer, to: number): number {
  const length = end - from;
  if (length > 32) return to + source.copy(target, to, from, end);
  for (let i = 0; i < length; i++) target[to + i] = source[from + i]!;
  return to + length;
}

/** UTF-8 length of `text`; short ASCII text is counted by hand. */
function utf8Length(text: string): number {
  if (text.length > 64) return Buffer.byteLength(text, "utf8");
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return Buffer.byteLength(text, "utf8");
  return text.length;
}

/** Writes `text` as UTF-8 at `at`; short ASCII text by hand. Returns the bytes written. */
function writeUtf8(text: string, target: Buffer, at: number): number {
  if (text.length > 64) return target.write(text, at, "utf8");
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code > 0x7f) return target.write(text, at, "utf8");
    target[at + i] = code;
  }
  return text.length;
}
