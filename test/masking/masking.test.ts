import { test } from "uvu";
import * as assert from "uvu/assert";
import { createMasker, MASK_STRATEGIES, MaskingError, type MaskStrategy } from "../../engine/masking/index.js";
import type { MaskRule } from "../../engine/policy/types.js";

// The strategies the masker implements are exactly those a decision may name (schemas/decision.json).
const sameStrategies: [MaskStrategy, MaskRule["strategy"]] extends [MaskRule["strategy"], MaskStrategy] ? true : false = true;

const key = new Uint8Array(32).fill(7);
const masker = createMasker({ hashKey: key });

function maskingError(run: () => unknown): MaskingError {
  try {
    run();
  } catch (error) {
    assert.instance(error, MaskingError);
    return error as MaskingError;
  }
  throw new Error("expected a MaskingError");
}

test("the implemented strategies are the decision schema's", () => {
  assert.ok(sameStrategies);
  assert.equal([...MASK_STRATEGIES].sort(), ["hash", "null", "partial", "redact"]);
});

test("redact replaces any value, of any length or type, with ****", () => {
  for (const value of ["alice@example.com", "", "x", "12345", "2024-01-01 00:00:00+00", "t", "ünïcødé 🎉".repeat(100)]) {
    assert.is(masker.mask({ strategy: "redact" }, value), "****", value);
  }
  assert.is(masker.mask({ strategy: "redact" }, null), null);
});

test("null turns every value into NULL", () => {
  for (const value of ["alice@example.com", "", null]) assert.is(masker.mask({ strategy: "null" }, value), null);
});

test("hash is a keyed 21-character hash: hash: and 16 hex digits, stable for equal values", () => {
  const hash = masker.compile({ strategy: "hash" });
  assert.is(hash("alice@example.com"), "hash:2f0aa8b3ef5247cc");
  assert.is(hash(""), "hash:55584c87805ed004");
  assert.is(hash("ünïcødé 🎉"), "hash:ac0c8a022ea9f687");
  assert.is(hash("42"), "hash:11aed048871c82ab");
  assert.is(hash(null), null);
  // Another masker with the same key (another session, statement or gateway restart) agrees, so
  // joins and GROUP BY over hashed values line up.
  assert.is(createMasker({ hashKey: Uint8Array.from(key) }).mask({ strategy: "hash" }, "alice@example.com"), "hash:2f0aa8b3ef5247cc");
  assert.is.not(hash("alice@example.com "), hash("alice@example.com"));
});

test("hash depends on the key: without it the values cannot be recomputed", () => {
  const other = createMasker({ hashKey: new Uint8Array(32).fill(8) });
  assert.is(other.mask({ strategy: "hash" }, "alice@example.com"), "hash:834e444f31b563ef");
});

test("partial keeps the last N characters and stars the rest, keeping the length", () => {
  assert.is(masker.mask({ strategy: "partial", keep: 4 }, "4111111111111111"), "************1111");
  assert.is(masker.mask({ strategy: "partial", keep: 2 }, "alice"), "***ce");
  assert.is(masker.mask({ strategy: "partial", keep: 0 }, "alice"), "*****");
  assert.is(masker.mask({ strategy: "partial", keep: 3 }, "ab🎉cd"), "**🎉cd", "code points, never half a surrogate pair");
  assert.is(masker.mask({ strategy: "partial", keep: 1 }, "héllo wörld"), "**********d");
  assert.is(masker.mask({ strategy: "partial", keep: 4 }, null), null);
});

test("partial masks a value of N characters or fewer entirely", () => {
  assert.is(masker.mask({ strategy: "partial", keep: 4 }, "1234"), "****");
  assert.is(masker.mask({ strategy: "partial", keep: 4 }, "123"), "***");
  assert.is(masker.mask({ strategy: "partial", keep: 4 }, "12345"), "*2345");
  assert.is(masker.mask({ strategy: "partial", keep: 4 }, ""), "");
  assert.is(masker.mask({ strategy: "partial", keep: 2 }, "🎉🎉"), "**");
});

test("partial without keep keeps the last 4", () => {
  assert.is(masker.mask({ strategy: "partial" }, "555-867-5309"), "********5309");
});

test("an unknown strategy is a MaskingError with code UNKNOWN_STRATEGY, raised when compiling", () => {
  for (const strategy of ["shuffle", "", "REDACT", "Hash"]) {
    const error = maskingError(() => masker.compile({ strategy }));
    assert.is(error.code, "UNKNOWN_STRATEGY");
    assert.is(error.message, `unknown masking strategy ${JSON.stringify(strategy)}`);
  }
});

test("a partial keep that is not a whole number from 0 up is a MaskingError INVALID_KEEP", () => {
  for (const keep of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
    assert.is(maskingError(() => masker.compile({ strategy: "partial", keep })).code, "INVALID_KEEP", String(keep));
  }
});

test("a hash key shorter than 32 bytes is refused with INVALID_KEY", () => {
  assert.is(maskingError(() => createMasker({ hashKey: new Uint8Array(31) })).code, "INVALID_KEY");
  assert.is(maskingError(() => createMasker({ hashKey: "a string" as unknown as Uint8Array })).code, "INVALID_KEY");
});

test.run();
