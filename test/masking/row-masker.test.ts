import { test } from "uvu";
import * as assert from "uvu/assert";
import { createMasker, partial } from "../../engine/masking/index.js";
import type { MaskRule } from "../../engine/policy/types.js";
import { dataRow, readDataRow } from "../../proxy/postgres/protocol/backend-messages.js";
import { maskRow, type ColumnMask } from "../../proxy/postgres/row-masker.js";
import { seeded } from "../postgres/cache-corpus.js";

/**
 * maskRow rewrites every row of a masked result in place of the whole body (offsets, one output buffer,
 * hand copies of short runs, hand-encoded ASCII). It must give exactly the DataRow the plain way gives:
 * every value read into its own buffer, the planned ones masked, the row written again. Checked on
 * generated rows: NULLs, empty values, multibyte and astral text, lone surrogates, long values,
 * binary columns the gateway can and cannot decode, plans over any subset of columns.
 */

const masker = createMasker({ hashKey: Buffer.alloc(32, 3) });
const mask = (rule: MaskRule, value: string | null): string | null => masker.mask(rule, value);
/** Decodes 4-byte values (as an int4 would be); anything else is a type the gateway cannot read. */
const decode = (_typeOid: number, value: Buffer): string | undefined => (value.length === 4 ? String(value.readInt32BE(0)) : undefined);

const PIECES = ["a", "Z", "0", "-", "@", "é", "ß", "漢", "\u{1F600}", "\ud800", " ", "x".repeat(40)];
const RULES: MaskRule[] = [
  { column: "t.c", strategy: "redact" },
  { column: "t.c", strategy: "partial", keep: 4 },
  { column: "t.c", strategy: "partial", keep: 0 },
  { column: "t.c", strategy: "hash" },
  { column: "t.c", strategy: "null" },
];

/** The plain way: every value its own Buffer, masked, and the row written again. */
function reference(body: Buffer, plan: ColumnMask[]): Buffer {
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
      text = decoded ?? `\\x${value.toString("hex")}`;
      if (decoded === undefined && rule.strategy === "partial") rule = { column: rule.column, strategy: "redact" };
    }
    const masked = mask(rule, text);
    values[column.index] = masked === null ? null : Buffer.from(masked, "utf8");
  }
  return dataRow(values);
}

test("50,000 generated rows are masked exactly as the plain way masks them", () => {
  const next = seeded(7);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  for (let n = 0; n < 50_000; n++) {
    const count = Math.floor(next() * 7);
    const values: Array<Buffer | null> = [];
    for (let i = 0; i < count; i++) {
      const kind = next();
      if (kind < 0.15) values.push(null);
      else if (kind < 0.25) values.push(Buffer.alloc(0));
      else if (kind < 0.35) values.push(Buffer.from([0, 0, 1, Math.floor(next() * 256)]));
      else values.push(Buffer.from(Array.from({ length: Math.floor(next() * 6) }, () => pick(PIECES)).join(""), "utf8"));
    }
    const body = dataRow(values).subarray(5);
    const plan: ColumnMask[] = [];
    for (let i = 0; i < count + 1; i++) if (next() < 0.5) plan.push({ index: i, rule: pick(RULES), typeOid: 23, format: next() < 0.3 ? 1 : 0 });
    const got = maskRow(body, plan, mask, decode);
    const want = reference(body, plan);
    if (!got.equals(want)) assert.unreachable(`row #${n} ${body.toString("hex")} plan ${JSON.stringify(plan)}:\n  got  ${got.toString("hex")}\n  want ${want.toString("hex")}`);
  }
});

test("a truncated row is refused, not read past its end", () => {
  const body = dataRow([Buffer.from("secret"), Buffer.from("x")]).subarray(5);
  const plan: ColumnMask[] = [{ index: 0, rule: RULES[0]!, typeOid: 25, format: 0 }];
  assert.throws(() => maskRow(body.subarray(0, body.length - 3), plan, mask, decode), RangeError);
});

test("partial keeps code points, astral characters and lone surrogates included, as it did per character", () => {
  const next = seeded(11);
  for (let n = 0; n < 20_000; n++) {
    const value = Array.from({ length: Math.floor(next() * 10) }, () => PIECES[Math.floor(next() * PIECES.length)]!).join("");
    const keep = Math.floor(next() * 6);
    const chars = Array.from(value);
    const expected = chars.length <= keep ? "*".repeat(chars.length) : "*".repeat(chars.length - keep) + chars.slice(chars.length - keep).join("");
    assert.is(partial(value, keep), expected, JSON.stringify(value));
  }
});

test.run();
