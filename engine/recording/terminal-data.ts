import { REDACTED } from "../audit/redact.js";

/**
 * Terminal bytes as a recording line holds them: UTF-8 text when they are valid UTF-8 (the redaction
 * guard then reads them like any string), otherwise base64. Base64 hides what it encodes from that
 * guard, so each secret's bytes are replaced before encoding.
 */
export function terminalData(bytes: Buffer, secrets: readonly string[]): { data: string; encoding?: "base64" } {
  const text = bytes.toString("utf8");
  if (Buffer.byteLength(text, "utf8") === bytes.length && !text.includes("\uFFFD")) return { data: text };
  let scrubbed = bytes;
  for (const secret of secrets) {
    if (secret.length === 0) continue;
    scrubbed = replaceAll(scrubbed, Buffer.from(secret, "utf8"), Buffer.from(REDACTED, "utf8"));
  }
  return { data: scrubbed.toString("base64"), encoding: "base64" };
}

function replaceAll(haystack: Buffer, needle: Buffer, by: Buffer): Buffer {
  let at = haystack.indexOf(needle);
  if (at < 0) return haystack;
  const parts: Buffer[] = [];
  let from = 0;
  while (at >= 0) {
    parts.push(haystack.subarray(from, at), by);
    from = at + needle.length;
    at = haystack.indexOf(needle, from);
  }
  parts.push(haystack.subarray(from));
  return Buffer.concat(parts);
}
