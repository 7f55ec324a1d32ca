import { test } from "uvu";
import * as assert from "uvu/assert";
import { canonicalJson, canonicalWalk } from "../../engine/audit/canonical-json.js";
import { prepareEventJson } from "../../engine/audit/prepare.js";
import type { AuditEvent } from "../../engine/audit/types.js";
import { seeded } from "../postgres/cache-corpus.js";

/**
 * The audit log serializes most events with the engine's JSON.stringify once their keys are in order
 * (copying only what is not); what it writes and hashes must be byte for byte the reference walk's
 * canonical JSON (RFC 8785), whatever the value: integer-like keys (which every object lists first),
 * `__proto__` as a key, lone surrogates, -0, undefined in arrays and objects, shared and nested parts.
 */

const KEYS = ["a", "b", "aa", "Z", "", "10", "9", "0", "-1", "1.5", "4294967295", "__proto__", "constructor", "é", "\u{1F600}", "\ud800", "toJSON2"];
const SCALARS: unknown[] = [null, true, false, 0, -0, 1.5, 1e21, 0.1 + 0.2, -123, "x", "", "\u2028", "\ud800", '"\\', "é", undefined];

function generate(next: () => number, depth: number): unknown {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  const kind = depth > 3 ? 0 : Math.floor(next() * 3);
  if (kind === 0) return pick(SCALARS);
  if (kind === 1) return Array.from({ length: Math.floor(next() * 4) }, () => generate(next, depth + 1));
  const object: Record<string, unknown> = {};
  for (let i = Math.floor(next() * 5); i > 0; i--) Object.defineProperty(object, pick(KEYS), { value: generate(next, depth + 1), enumerable: true, writable: true, configurable: true });
  return object;
}

function outcome(serialize: () => string): string {
  try {
    return serialize();
  } catch (error) {
    return `throws ${(error as Error).message}`;
  }
}

test("200,000 generated values serialize exactly as the reference walk does", () => {
  const next = seeded(13);
  let compared = 0;
  for (let i = 0; i < 200_000; i++) {
    const value = generate(next, 0);
    if (value === undefined) continue;
    compared++;
    const fast = outcome(() => canonicalJson(value));
    const reference = outcome(() => canonicalWalk(value));
    if (fast !== reference) assert.unreachable(`value #${i} ${JSON.stringify(value)}:\n  fast:      ${fast}\n  reference: ${reference}`);
  }
  assert.ok(compared > 150_000);
});

test("keys are sorted by UTF-16 code units, integer-like ones included, and the input is left as it was", () => {
  const value = { b: 1, a: { "10": true, "9": false, z: [{ y: 1, x: 2 }] }, "\u{1F600}": "smile", é: "e" };
  const before = JSON.stringify(value);
  assert.is(canonicalJson(value), '{"a":{"10":true,"9":false,"z":[{"x":2,"y":1}]},"b":1,"é":"e","\u{1F600}":"smile"}');
  assert.is(JSON.stringify(value), before);
});

test("what JSON cannot hold is refused, as the reference walk refuses it", () => {
  for (const bad of [{ n: Number.NaN }, [Infinity], { f: () => 1 }, { nested: [{ big: 10n }] }]) {
    assert.throws(() => canonicalJson(bad), TypeError);
    assert.throws(() => canonicalWalk(bad), TypeError);
  }
});

test("every field name an audit event carries is checked for secrets, however deep, while it is serialized", () => {
  const event = {
    type: "session_end",
    session_id: "s-1",
    reason: "a value that mentions a token, a secret and an api_key is kept as it is",
    extra: { list: [{ deep: { Client_Secret: "x", fine: 1 } }] },
  } as unknown as AuditEvent;
  const { event: clean, json } = prepareEventJson(event, {});
  assert.not.ok(json.includes('"Client_Secret":'), json);
  assert.ok(json.includes("a value that mentions a token"), json);
  assert.equal((clean as unknown as { redacted: string[] }).redacted, ["/extra/list/0/deep/Client_Secret"]);
});

test.run();
