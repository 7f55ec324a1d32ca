import type { IncomingMessage } from "node:http";
import { MAX_BODY_BYTES } from "../../engine/actions/kubernetes/index.js";

export type RequestBody = { ok: true; bytes: Buffer; text: string } | { ok: false; reason: string };

/**
 * Reads a request's body whole, at most the apiserver's own limit: the decision is about these exact
 * bytes, and these bytes are what is forwarded. A body over the limit, or one that is not UTF-8 text
 * (what was decided would not be what is sent), is refused unread.
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
  if (!Buffer.from(text, "utf8").equals(bytes)) return { ok: false, reason: "the request body is not UTF-8 text (protobuf and CBOR bodies are not read; send JSON)" };
  return { ok: true, bytes, text };
}

/** The raw header list as name/value pairs. */
export function headerPairs(raw: string[]): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (let i = 0; i + 1 < raw.length; i += 2) pairs.push([raw[i]!, raw[i + 1]!]);
  return pairs;
}
