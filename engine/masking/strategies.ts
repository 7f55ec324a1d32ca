import { createHmac } from "node:crypto";

/**
 * The masking strategies, as pure functions over the text form of one value. They know nothing of
 * types or wire formats: the proxy hands over the text PostgreSQL would print and sends back what
 * these return. SQL NULL (`null`) stays NULL under every strategy but `null` itself: NULL carries no
 * value to hide, and clients rely on it; a policy that must hide even whether a value exists uses
 * `null`, which makes every row NULL.
 */

/**
 * What `redact` shows instead of any value, whatever its type or length. Fixed, so the output tells
 * nothing about the original (not even its length), and plainly a placeholder to a reader.
 */
export const REDACTED = "****";

/** Every masked value under `hash` starts with this, so a reader can tell it is not real data. */
export const HASH_PREFIX = "hash:";
/** Hex digits kept of the HMAC: 64 bits, so distinct values collide only after billions of them. */
export const HASH_HEX_DIGITS = 16;
/** The character that replaces each hidden character under `partial`. */
export const PARTIAL_FILL = "*";

export function redact(value: string | null): string | null {
  return value === null ? null : REDACTED;
}

export function nullify(_value: string | null): null {
  return null;
}

/**
 * `hash:` + the first 16 hex digits of HMAC-SHA256(key, UTF-8 value): 21 characters. The key is the
 * gateway's secret, so nobody without it can hash candidates and compare (an unkeyed hash of an email
 * or a card number is reversed by trying them all). The same key gives the same output in every
 * session and statement, so joins, GROUP BY and DISTINCT over masked values still line up.
 */
export function hashValue(key: Uint8Array, value: string | null): string | null {
  if (value === null) return null;
  return HASH_PREFIX + createHmac("sha256", key).update(value, "utf8").digest("hex").slice(0, HASH_HEX_DIGITS);
}

/**
 * Keeps the last `keep` characters and replaces every other one with `*`, so the length is kept
 * ("4111111111111111", 4 → "************1111"). Characters are Unicode code points, so a character
 * outside the Basic Multilingual Plane is never cut in half. A value of `keep` characters or fewer is
 * masked entirely: keeping its last `keep` characters would show all of it, and a policy that asks
 * for a partial mask never means "show short values in full".
 */
export function partial(value: string | null, keep: number): string | null {
  if (value === null) return null;
  // Without surrogates every code unit is a code point: no array of characters needed (the common case).
  if (!SURROGATE.test(value)) {
    if (value.length <= keep) return PARTIAL_FILL.repeat(value.length);
    return PARTIAL_FILL.repeat(value.length - keep) + value.slice(value.length - keep);
  }
  const chars = Array.from(value);
  if (chars.length <= keep) return PARTIAL_FILL.repeat(chars.length);
  const hidden = chars.length - keep;
  return PARTIAL_FILL.repeat(hidden) + chars.slice(hidden).join("");
}

const SURROGATE = /[\uD800-\uDFFF]/;
