import type { IncomingMessage } from "node:http";
import { MAX_BODY_BYTES } from "../../engine/actions/kubernetes/index.js";

/** `text` is the body as UTF-8 text, or base64 when `binary` (protobuf, CBOR: bytes that are not UTF-8). */
export type RequestBody = { ok: true; bytes: Buffer; text: string; binary: boolean } | { ok: false; reason: string };

/**
 * Reads a request's body whole, at most the apiserver's own limit: the decision is about these exact
 * bytes, and these bytes are what is forwarded. A body over the limit is refused unread; one that is
 * not UTF-8 text is carried as base64, so the decision still binds its exact bytes.
 */
export async function readRequestBody(request: IncomingMessage): Promise<RequestBody> {
  const declared = Number(request.headers["content-length"] ?? 0);
  if (declared > MAX_BODY_BYTES) return { ok: false, reason: `the request body (${declared} bytes) is larger than ${MAX_BODY_BYTES} bytes` };
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) {
      request.destroy();
      return { ok: false, reason: `the request body is larger than ${MAX_BODY_BYTES} bytes` };
    }
    chunks.push(chunk);
  }
  const bytes = Buffer.concat(chunks, size);
  const text = bytes.toString("utf8");
  if (!Buffer.from(text, "utf8").equals(bytes)) return { ok: true, bytes, text: bytes.toString("base64"), binary: true };
  return { ok: true, bytes, text, binary: false };
}

/** The raw header list as name/value pairs. */
export function headerPairs(raw: string[]): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (let i = 0; i + 1 < raw.length; i += 2) pairs.push([raw[i]!, raw[i + 1]!]);
  return pairs;
}
