import type { MaskRule } from "../../engine/policy/types.js";
import type { ColumnOrigin } from "./catalog.js";
import { dataRow, readDataRow, type FieldDescription } from "./protocol/backend-messages.js";

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
export function planColumns(fields: FieldDescription[], masks: ResolvedMask[], formats?: (index: number) => number): ColumnMask[] {
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
export function describeMasked(fields: FieldDescription[], plan: ColumnMask[]): FieldDescription[] {
  if (plan.length === 0) return fields;
  return fields.map((field, index) => {
    const mask = plan.find((m) => m.index === index);
    if (!mask || mask.rule.strategy === "null") return field;
    return { ...field, typeOid: TEXT_OID, typeSize: -1, typeModifier: -1 };
  });
}

/** Rewrites one DataRow body into a whole DataRow message with the planned columns masked. */
export function maskRow(body: Buffer, plan: ColumnMask[], mask: MaskFunction, decode: BinaryDecoder): Buffer {
  const values = readDataRow(body);
  for (const column of plan) {
    const value = values[column.index];
    if (value === undefined) continue;
    let text: string | null;
    let rule = column.rule;
    if (value === null) text = null;
    else if (column.format === 0) text = value.toString("utf8");
    else {
      const decoded = decode(column.typeOid, value);
      // A binary value of a type the gateway cannot read is hashed from its hex form (stable) and
      // otherwise redacted whole: keeping "the last characters" of raw bytes could reveal anything.
      text = decoded ?? `\\x${value.toString("hex")}`;
      if (decoded === undefined && rule.strategy === "partial") rule = { column: rule.column, strategy: "redact" };
    }
    const masked = mask(rule, text);
    values[column.index] = masked === null ? null : Buffer.from(masked, "utf8");
  }
  return dataRow(values);
}
